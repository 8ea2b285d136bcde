//! One connection type for a single Redis server, a Redis Cluster and a Sentinel-managed
//! master, chosen by the URL.

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use polyauth_core::{Error, Result};
use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster_async::ClusterConnection;
use redis::sentinel::{SentinelClient, SentinelNodeConnectionInfo, SentinelServerType};
use redis::{Cmd, ConnectionInfo, IntoConnectionInfo, Pipeline, RedisFuture, Value};

use crate::{RedisOptions, redis_error};

/// The scheme of a Redis Cluster URL: `redis+cluster://[user:password@]host:port,host:port/`
/// (`rediss+cluster://` for TLS): the listed nodes are the seeds, the cluster tells the rest.
pub const CLUSTER_SCHEME: &str = "redis+cluster";

/// The scheme of a Sentinel URL: `redis+sentinel://[user:password@]host:port,host:port/<master
/// name>[/<db>]`: the listed hosts are the Sentinels, the credentials and database those of
/// the master they name.
pub const SENTINEL_SCHEME: &str = "redis+sentinel";

/// A connection to Redis: one reconnecting multiplexed connection to a single server, or a
/// cluster connection that routes each command to the master of its key's hash slot
/// (following `MOVED` and `ASK` redirections and reloading the slot map itself). Cheap to
/// clone.
#[derive(Clone)]
pub(crate) enum RedisConnection {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
    Sentinel(Arc<SentinelConnection>),
}

/// The master a set of Sentinels names, re-asked when a command fails the way a failover
/// makes it fail (refused or dropped connection, timeout, `READONLY` from a demoted master):
/// that command fails (`Unavailable`), the following ones go to the new master.
pub(crate) struct SentinelConnection {
    sentinels: SentinelTarget,
    options: RedisOptions,
    /// The master's address and the connection to it.
    current: ArcSwap<(String, ConnectionManager)>,
    /// Held while the Sentinels are asked (one re-resolution at a time).
    resolving: tokio::sync::Mutex<()>,
}

impl SentinelConnection {
    async fn connect(sentinels: SentinelTarget, options: RedisOptions) -> Result<Self> {
        let (address, conn) = sentinels.master(&options).await?;
        Ok(SentinelConnection {
            sentinels,
            options,
            current: ArcSwap::from_pointee((address, conn)),
            resolving: tokio::sync::Mutex::new(()),
        })
    }

    fn conn(&self) -> ConnectionManager {
        self.current.load().1.clone()
    }

    /// After a failure that may be a failover: asks the Sentinels for the master and moves
    /// to it when it changed.
    async fn after_failure(&self, e: &redis::RedisError) {
        let failover = e.is_connection_refusal()
            || e.is_connection_dropped()
            || e.is_io_error()
            || e.is_timeout()
            || e.code() == Some("READONLY");
        if !failover {
            return;
        }
        let Ok(_guard) = self.resolving.try_lock() else {
            return;
        };
        match self.sentinels.master(&self.options).await {
            Ok((address, conn)) if address != self.current.load().0 => {
                tracing::info!("Redis Sentinel names a new master; switched to it");
                self.current.store(Arc::new((address, conn)));
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "Redis Sentinel could not name a master"),
        }
    }
}

/// The Sentinels of one master: where they are and how to reach the master they name.
#[derive(Clone)]
pub(crate) struct SentinelTarget {
    sentinels: Vec<ConnectionInfo>,
    master_name: String,
    node: redis::RedisConnectionInfo,
}

impl SentinelTarget {
    fn client(&self) -> Result<SentinelClient> {
        let node =
            SentinelNodeConnectionInfo::default().set_redis_connection_info(self.node.clone());
        SentinelClient::build(
            self.sentinels.clone(),
            self.master_name.clone(),
            Some(node),
            SentinelServerType::Master,
        )
        .map_err(|e| redis_error(e, "connect"))
    }

    /// A client of the current master.
    async fn master_client(&self) -> Result<redis::Client> {
        self.client()?
            .async_get_client()
            .await
            .map_err(|e| redis_error(e, "connect"))
    }

    /// The current master's address and a connection to it.
    async fn master(&self, options: &RedisOptions) -> Result<(String, ConnectionManager)> {
        let client = self.master_client().await?;
        let address = client.get_connection_info().addr().to_string();
        let conn = ConnectionManager::new_with_config(client, manager_config(options))
            .await
            .map_err(|e| redis_error(e, "connect"))?;
        Ok((address, conn))
    }
}

fn manager_config(options: &RedisOptions) -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_connection_timeout(Some(options.connect_timeout))
        .set_response_timeout(Some(options.response_timeout))
        .set_number_of_retries(options.reconnect_retries)
        .set_max_delay(Duration::from_millis(500))
}

impl ConnectionLike for RedisConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            RedisConnection::Single(c) => c.req_packed_command(cmd),
            RedisConnection::Cluster(c) => c.req_packed_command(cmd),
            RedisConnection::Sentinel(s) => {
                let s = s.clone();
                Box::pin(async move {
                    let result = s.conn().req_packed_command(cmd).await;
                    if let Err(e) = &result {
                        s.after_failure(e).await;
                    }
                    result
                })
            }
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            RedisConnection::Single(c) => c.req_packed_commands(cmd, offset, count),
            RedisConnection::Cluster(c) => c.req_packed_commands(cmd, offset, count),
            RedisConnection::Sentinel(s) => {
                let s = s.clone();
                Box::pin(async move {
                    let result = s.conn().req_packed_commands(cmd, offset, count).await;
                    if let Err(e) = &result {
                        s.after_failure(e).await;
                    }
                    result
                })
            }
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            RedisConnection::Single(c) => c.get_db(),
            RedisConnection::Cluster(c) => c.get_db(),
            RedisConnection::Sentinel(s) => s.conn().get_db(),
        }
    }
}

/// Where a URL points: the client of a single server, or the seed nodes of a cluster.
pub(crate) enum Target {
    Single(redis::Client),
    Cluster(Vec<redis::Client>),
    Sentinel(SentinelTarget),
}

impl Target {
    /// Parses `redis://`, `rediss://`, `unix://` (a single server),
    /// `redis+cluster://` / `rediss+cluster://` (a cluster, comma-separated seed nodes) or
    /// `redis+sentinel://` (comma-separated Sentinels, then the master's name).
    ///
    /// Errors: `ConfigInvalid` naming the expected forms (never the URL, which may hold a
    /// password).
    pub(crate) fn parse(url: &str) -> Result<Target> {
        let invalid = || {
            Error::config(
                "the Redis URL is not valid (expected redis://host:port/db, \
                 redis+cluster://host:port,host:port/ for a Redis Cluster, or \
                 redis+sentinel://host:port,host:port/master-name for Sentinel)",
            )
            .with_context("redis", "connect")
        };
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(invalid());
        };
        let node_scheme = match scheme {
            CLUSTER_SCHEME => "redis",
            "rediss+cluster" => "rediss",
            SENTINEL_SCHEME => return Self::parse_sentinel(rest).ok_or_else(invalid),
            _ => {
                let client = redis::Client::open(url).map_err(|e| invalid().with_source(e))?;
                return Ok(Target::Single(client));
            }
        };
        let (userinfo, hosts) = match rest.rsplit_once('@') {
            Some((userinfo, hosts)) => (Some(userinfo), hosts),
            None => (None, rest),
        };
        let hosts = hosts.trim_end_matches('/');
        let nodes = hosts
            .split(',')
            .filter(|h| !h.is_empty())
            .map(|host| {
                let node = match userinfo {
                    Some(u) => format!("{node_scheme}://{u}@{host}/"),
                    None => format!("{node_scheme}://{host}/"),
                };
                redis::Client::open(node).map_err(|e| invalid().with_source(e))
            })
            .collect::<Result<Vec<_>>>()?;
        if nodes.is_empty() {
            return Err(invalid());
        }
        Ok(Target::Cluster(nodes))
    }

    /// `host:port,host:port/master-name[/db]` with optional `user:password@` (the master's).
    fn parse_sentinel(rest: &str) -> Option<Target> {
        let (userinfo, rest) = match rest.rsplit_once('@') {
            Some((userinfo, rest)) => (Some(userinfo), rest),
            None => (None, rest),
        };
        let (hosts, path) = rest.split_once('/')?;
        let mut path = path.trim_end_matches('/').split('/');
        let master_name = path.next().filter(|n| !n.is_empty())?.to_owned();
        let db = match path.next() {
            Some(db) => db.parse().ok()?,
            None => 0,
        };
        let sentinels = hosts
            .split(',')
            .filter(|h| !h.is_empty())
            .map(|h| format!("redis://{h}/").into_connection_info().ok())
            .collect::<Option<Vec<_>>>()?;
        // The master's credentials and database, read the way a plain URL is.
        let credentials = userinfo.map(|u| format!("{u}@")).unwrap_or_default();
        let node = format!("redis://{credentials}master/{db}")
            .into_connection_info()
            .ok()?
            .redis_settings()
            .clone();
        (!sentinels.is_empty()).then_some(Target::Sentinel(SentinelTarget {
            sentinels,
            master_name,
            node,
        }))
    }

    /// The client to subscribe through on the `attempt`-th try: the server, each seed node of
    /// a cluster in turn (a message published anywhere in a cluster reaches every node), or
    /// the master the Sentinels name now.
    pub(crate) async fn subscribe_client(&self, attempt: usize) -> Result<redis::Client> {
        match self {
            Target::Single(c) => Ok(c.clone()),
            Target::Cluster(nodes) => nodes
                .get(attempt % nodes.len().max(1))
                .cloned()
                .ok_or_else(|| Error::config("no Redis Cluster node to subscribe through")),
            Target::Sentinel(sentinels) => sentinels.master_client().await,
        }
    }

    /// How many clients [`subscribe_client`](Self::subscribe_client) turns through.
    pub(crate) fn subscribe_choices(&self) -> usize {
        match self {
            Target::Cluster(nodes) => nodes.len(),
            _ => 1,
        }
    }

    /// Connects with the options' timeouts and retries.
    ///
    /// Errors: `Unavailable` when Redis cannot be reached within the connect timeout and
    /// retries; `ConfigInvalid` when it refuses the credentials.
    pub(crate) async fn connect(&self, options: &RedisOptions) -> Result<RedisConnection> {
        match self {
            Target::Single(client) => {
                ConnectionManager::new_with_config(client.clone(), manager_config(options))
                    .await
                    .map(RedisConnection::Single)
                    .map_err(|e| redis_error(e, "connect"))
            }
            Target::Sentinel(sentinels) => {
                let conn = SentinelConnection::connect(sentinels.clone(), options.clone()).await?;
                Ok(RedisConnection::Sentinel(Arc::new(conn)))
            }
            Target::Cluster(nodes) => {
                let seeds = nodes.iter().map(|c| c.get_connection_info().clone());
                let retries = u32::try_from(options.reconnect_retries).unwrap_or(u32::MAX);
                redis::cluster::ClusterClientBuilder::new(seeds)
                    .connection_timeout(options.connect_timeout)
                    .response_timeout(options.response_timeout)
                    .retries(retries)
                    .build()
                    .map_err(|e| redis_error(e, "connect"))?
                    .get_async_connection()
                    .await
                    .map(RedisConnection::Cluster)
                    .map_err(|e| redis_error(e, "connect"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_urls_list_their_seed_nodes() {
        match Target::parse("redis+cluster://:pw@127.0.0.1:7000,127.0.0.1:7001/") {
            Ok(Target::Cluster(nodes)) => {
                assert_eq!(nodes.len(), 2);
                let info = nodes[1].get_connection_info();
                assert_eq!(info.addr().to_string(), "127.0.0.1:7001");
            }
            _ => panic!("a cluster of two seeds"),
        }
        assert!(matches!(
            Target::parse("redis://127.0.0.1:6379/0"),
            Ok(Target::Single(_))
        ));
        match Target::parse("redis+sentinel://:pw@127.0.0.1:26379,127.0.0.1:26380/mymaster/2") {
            Ok(Target::Sentinel(t)) => {
                assert_eq!(t.sentinels.len(), 2);
                assert_eq!(t.master_name, "mymaster");
                assert_eq!((t.node.password(), t.node.db()), (Some("pw"), 2));
            }
            _ => panic!("two sentinels of mymaster"),
        }
        for bad in [
            "redis+cluster:///",
            "127.0.0.1:6379",
            "http://x/",
            "redis+sentinel://127.0.0.1:26379/",
            "redis+sentinel://127.0.0.1:26379",
        ] {
            let e = Target::parse(bad).err().map(|e| e.kind());
            assert_eq!(e, Some(polyauth_core::ErrorKind::ConfigInvalid), "{bad}");
        }
    }
}
