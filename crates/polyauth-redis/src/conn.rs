//! One connection type for a single Redis server and a Redis Cluster, chosen by the URL.

use std::time::Duration;

use polyauth_core::{Error, Result};
use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, Pipeline, RedisFuture, Value};

use crate::{RedisOptions, redis_error};

/// The scheme of a Redis Cluster URL: `redis+cluster://[user:password@]host:port,host:port/`
/// (`rediss+cluster://` for TLS): the listed nodes are the seeds, the cluster tells the rest.
pub const CLUSTER_SCHEME: &str = "redis+cluster";

/// A connection to Redis: one reconnecting multiplexed connection to a single server, or a
/// cluster connection that routes each command to the master of its key's hash slot
/// (following `MOVED` and `ASK` redirections and reloading the slot map itself). Cheap to
/// clone.
#[derive(Clone)]
pub(crate) enum RedisConnection {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl ConnectionLike for RedisConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            RedisConnection::Single(c) => c.req_packed_command(cmd),
            RedisConnection::Cluster(c) => c.req_packed_command(cmd),
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
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            RedisConnection::Single(c) => c.get_db(),
            RedisConnection::Cluster(c) => c.get_db(),
        }
    }
}

/// Where a URL points: the client of a single server, or the seed nodes of a cluster.
pub(crate) enum Target {
    Single(redis::Client),
    Cluster(Vec<redis::Client>),
}

impl Target {
    /// Parses `redis://`, `rediss://`, `unix://` (a single server) or
    /// `redis+cluster://` / `rediss+cluster://` (a cluster, comma-separated seed nodes).
    ///
    /// Errors: `ConfigInvalid` naming the expected forms (never the URL, which may hold a
    /// password).
    pub(crate) fn parse(url: &str) -> Result<Target> {
        let invalid = || {
            Error::config(
                "the Redis URL is not valid (expected redis://host:port/db, or \
                 redis+cluster://host:port,host:port/ for a Redis Cluster)",
            )
            .with_context("redis", "connect")
        };
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(invalid());
        };
        let node_scheme = match scheme {
            CLUSTER_SCHEME => "redis",
            "rediss+cluster" => "rediss",
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

    /// The clients to subscribe through: the server, or each seed node in turn (a message
    /// published anywhere in a cluster reaches every node).
    pub(crate) fn subscribe_clients(&self) -> Vec<redis::Client> {
        match self {
            Target::Single(c) => vec![c.clone()],
            Target::Cluster(nodes) => nodes.clone(),
        }
    }

    /// Connects with the options' timeouts and retries.
    ///
    /// Errors: `Unavailable` when Redis cannot be reached within the connect timeout and
    /// retries; `ConfigInvalid` when it refuses the credentials.
    pub(crate) async fn connect(&self, options: &RedisOptions) -> Result<RedisConnection> {
        match self {
            Target::Single(client) => {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(options.connect_timeout))
                    .set_response_timeout(Some(options.response_timeout))
                    .set_number_of_retries(options.reconnect_retries)
                    .set_max_delay(Duration::from_millis(500));
                ConnectionManager::new_with_config(client.clone(), config)
                    .await
                    .map(RedisConnection::Single)
                    .map_err(|e| redis_error(e, "connect"))
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
        for bad in ["redis+cluster:///", "127.0.0.1:6379", "http://x/"] {
            let e = Target::parse(bad).err().map(|e| e.kind());
            assert_eq!(e, Some(polyauth_core::ErrorKind::ConfigInvalid), "{bad}");
        }
    }
}
