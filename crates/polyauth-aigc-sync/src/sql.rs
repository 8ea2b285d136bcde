//! [`SqlAdapter`]: a [`LegacySystemAdapter`] over a SQL user table (feature `sql`; sqlx,
//! SQLite or Postgres).

use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use polyauth_core::{Error, Result, Secret};
use serde_json::{Number, Value};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{ColumnIndex, Connection, Decode, Row, Type, ValueRef};
use tokio::sync::OnceCell;

use crate::adapter::{LegacyPage, LegacyPassword, LegacySystemAdapter, LegacyUser, UnreadableRow};
use crate::mapping::Record;

mod schema;
use schema::Schema;

/// Default bcrypt cost of plain passwords written to the table.
pub const DEFAULT_BCRYPT_COST: u32 = 12;

/// Which table and columns [`SqlAdapter`] uses. Every name must be a plain identifier
/// (ASCII letters, digits, underscore; not starting with a digit); they are quoted in SQL.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SqlAdapterConfig {
    /// The user table.
    pub table: String,
    /// The key column: an integer or text primary key, used for keyset pagination and as the
    /// legacy user id (default `id`).
    pub key_column: String,
    /// The columns read into [`LegacyUser::fields`] and the only ones written (the key column
    /// is always read). Mapped fields outside this list are not written.
    pub columns: Vec<String>,
    /// The column holding the password hash, read as [`LegacyUser::password`] and written on
    /// create (plain passwords are bcrypt-hashed first). `None`: no password source.
    pub password_column: Option<String>,
    /// `Some(column)`: disabling sets this column to [`disabled_value`](Self::disabled_value);
    /// `None`: disabling deletes the row.
    pub disabled_column: Option<String>,
    /// The value written to the disabled column (default `0`).
    pub disabled_value: Value,
    /// bcrypt cost for plain passwords (4..=31, default [`DEFAULT_BCRYPT_COST`]).
    pub bcrypt_cost: u32,
}

impl SqlAdapterConfig {
    /// A table with these data columns, key `id`, no password or disabled column.
    pub fn new(table: impl Into<String>, columns: &[&str]) -> Self {
        SqlAdapterConfig {
            table: table.into(),
            key_column: "id".to_owned(),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            password_column: None,
            disabled_column: None,
            disabled_value: Value::from(0),
            bcrypt_cost: DEFAULT_BCRYPT_COST,
        }
    }

    /// Sets the key column.
    pub fn with_key_column(mut self, column: impl Into<String>) -> Self {
        self.key_column = column.into();
        self
    }

    /// Sets the password column.
    pub fn with_password_column(mut self, column: impl Into<String>) -> Self {
        self.password_column = Some(column.into());
        self
    }

    /// Disables by setting `column` to `value` instead of deleting.
    pub fn with_disabled_column(mut self, column: impl Into<String>, value: Value) -> Self {
        self.disabled_column = Some(column.into());
        self.disabled_value = value;
        self
    }

    /// Sets the bcrypt cost.
    pub fn with_bcrypt_cost(mut self, cost: u32) -> Self {
        self.bcrypt_cost = cost;
        self
    }

    /// Errors: `ConfigInvalid` naming the first name that is not a plain identifier, or a
    /// bcrypt cost outside 4..=31.
    pub fn validate(&self) -> Result<()> {
        let names = [&self.table, &self.key_column]
            .into_iter()
            .chain(&self.columns)
            .chain(&self.password_column)
            .chain(&self.disabled_column);
        for n in names {
            if !is_identifier(n) {
                return Err(Error::config(format!(
                    "legacy table: {n:?} is not a plain SQL identifier"
                )));
            }
        }
        if !(4..=31).contains(&self.bcrypt_cost) {
            return Err(Error::config("legacy table: bcrypt cost must be 4..=31"));
        }
        Ok(())
    }
}

/// Whether `s` is a plain identifier: ASCII letters, digits and `_`, not starting with a
/// digit, at most 63 characters.
pub fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A legacy user table in SQLite or Postgres.
///
/// Before the first statement that names a column, the adapter reads the table's real columns
/// (SQLite `pragma_table_info`, Postgres `information_schema.columns`) and checks every
/// configured name against them: a table or column that does not exist is a `ConfigInvalid`
/// error naming it and listing what there is, never SQL (SQLite would read an unknown quoted
/// identifier as a string literal). [`connect`](Self::connect) checks at once;
/// [`from_sqlite`](Self::from_sqlite) and [`from_postgres`](Self::from_postgres) on first use
/// (or call [`check_schema`](Self::check_schema)). The `field` arguments of the
/// [`LegacySystemAdapter`] methods are checked the same way (`InvalidInput`).
///
/// Reads page by page with keyset pagination on the key column (`WHERE key > $1 ORDER BY
/// key LIMIT $2`), so a table of any size streams in constant memory. Cells are read as
/// integer, real, boolean or text (a valid UTF-8 blob counts as text); a row with a cell that
/// is none of these (invalid UTF-8, a Postgres type without a JSON form such as `NUMERIC` or
/// `TIMESTAMP` — cast it in a view) comes back as an [`UnreadableRow`]. Arrays and objects are
/// written as JSON text. Database errors are `Unavailable`. Every error names the database
/// (a SQLite file's path, a Postgres URL without its password), the table and the cause.
#[derive(Clone, Debug)]
pub struct SqlAdapter {
    pool: Pool,
    config: SqlAdapterConfig,
    database: String,
    /// The checked table, once read (shared by clones).
    schema: Arc<OnceCell<Schema>>,
}

macro_rules! with_pool {
    ($self:expr, $p:ident => $body:expr) => {
        match &$self.pool {
            Pool::Sqlite($p) => $body,
            Pool::Postgres($p) => $body,
        }
    };
}

macro_rules! bind_value {
    ($q:expr, $v:expr) => {
        match $v {
            Value::Null => $q.bind(None::<String>),
            Value::Bool(b) => $q.bind(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => $q.bind(i),
                None => $q.bind(n.as_f64()),
            },
            Value::String(s) => $q.bind(s.clone()),
            other => $q.bind(other.to_string()),
        }
    };
}

/// Why a SQLite file could not be opened, for the error: "does not exist" when it does not.
fn sqlite_open_error(name: &str, options: &SqliteConnectOptions, e: &sqlx::Error) -> Error {
    let file = options.get_filename();
    let in_memory = file.to_string_lossy().starts_with("file:sqlx-in-memory");
    let why = if !in_memory && !file.exists() {
        format!("the file does not exist ({e})")
    } else {
        e.to_string()
    };
    Error::unavailable(format!("legacy database {name}: cannot open it: {why}"))
}

impl SqlAdapter {
    /// Connects to `url`: `sqlite:...` (e.g. `sqlite://users.db`, `sqlite::memory:`) or
    /// `postgres://...` / `postgresql://...`, with a pool of at most 4 connections, then
    /// checks the table and every configured column against the database
    /// ([`check_schema`](Self::check_schema)).
    ///
    /// Errors: `ConfigInvalid` for another scheme, an unparsable URL, a bad `config`, a table
    /// or column that does not exist; `Unavailable` when the database cannot be opened (a
    /// missing SQLite file is named, with its path) or read.
    pub async fn connect(url: &str, config: SqlAdapterConfig) -> Result<Self> {
        config.validate()?;
        let bad_url = |e: sqlx::Error| {
            Error::config(format!(
                "legacy database {}: invalid URL: {e}",
                schema::redact_url(url)
            ))
        };
        let (pool, database) = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url).map_err(bad_url)?;
            let name = schema::sqlite_name(&options);
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(options.clone())
                .await
                .map_err(|e| sqlite_open_error(&name, &options, &e))?;
            (Pool::Sqlite(pool), name)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url).map_err(bad_url)?;
            let name = schema::postgres_name(&options);
            // One connection first: the pool would retry a refused connection until its
            // acquire timeout and report only that.
            let conn = PgConnection::connect_with(&options).await.map_err(|e| {
                Error::unavailable(format!("legacy database {name}: cannot connect: {e}"))
            })?;
            let _ = conn.close().await;
            let pool = PgPoolOptions::new()
                .max_connections(4)
                .connect_lazy_with(options);
            (Pool::Postgres(pool), name)
        } else {
            return Err(Error::config(format!(
                "the legacy database URL must start with sqlite:, postgres:// or \
                 postgresql:// (got {})",
                schema::redact_url(url)
            )));
        };
        let adapter = Self::build(pool, config, database);
        adapter.check_schema().await?;
        Ok(adapter)
    }

    /// An adapter over an open SQLite pool; the table is checked on first use. Errors:
    /// `ConfigInvalid` for a bad `config`.
    pub fn from_sqlite(pool: SqlitePool, config: SqlAdapterConfig) -> Result<Self> {
        config.validate()?;
        let name = schema::sqlite_name(&pool.connect_options());
        Ok(Self::build(Pool::Sqlite(pool), config, name))
    }

    /// An adapter over an open Postgres pool; the table is checked on first use. Errors:
    /// `ConfigInvalid` for a bad `config`.
    pub fn from_postgres(pool: PgPool, config: SqlAdapterConfig) -> Result<Self> {
        config.validate()?;
        let name = schema::postgres_name(&pool.connect_options());
        Ok(Self::build(Pool::Postgres(pool), config, name))
    }

    fn build(pool: Pool, config: SqlAdapterConfig, database: String) -> Self {
        SqlAdapter {
            pool,
            config,
            database,
            schema: Arc::new(OnceCell::new()),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &SqlAdapterConfig {
        &self.config
    }

    /// How errors name the database: a SQLite file's absolute path, or a Postgres URL
    /// without its password.
    pub fn database(&self) -> &str {
        &self.database
    }

    /// Reads the table's columns (once; clones share the result) and checks the key column,
    /// the data columns, the password column and the disabled column against them. Returns
    /// the table's columns as the database spells them, in table order.
    ///
    /// Errors: `ConfigInvalid` when the table does not exist (listing the database's tables)
    /// or a configured column is not one of its columns (naming each unknown column and its
    /// role, listing the table's columns); `Unavailable` when the database cannot be read.
    pub async fn check_schema(&self) -> Result<&[String]> {
        Ok(&self.schema().await?.columns)
    }

    async fn schema(&self) -> Result<&Schema> {
        self.schema
            .get_or_try_init(|| schema::load(&self.pool, &self.config, &self.database))
            .await
    }

    /// A checked column name, quoted.
    fn column(&self, schema: &Schema, name: &str) -> Result<String> {
        schema.column(&self.database, &self.config.table, name)
    }

    fn db_error(&self, op: &str, e: sqlx::Error) -> Error {
        Error::unavailable(format!(
            "legacy database {}, table {}: {op} failed: {e}",
            self.database, self.config.table
        ))
        .with_source(e)
    }

    /// Number of rows in the table. Errors: as [`check_schema`](Self::check_schema);
    /// `Unavailable`.
    pub async fn count(&self) -> Result<u64> {
        let schema = self.schema().await?;
        let sql = format!("SELECT COUNT(*) FROM {}", schema.table);
        let n: i64 = with_pool!(self, p => sqlx::query_scalar(&sql).fetch_one(p).await)
            .map_err(|e| self.db_error("counting users", e))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn writable(&self, name: &str) -> bool {
        name != self.config.key_column
            && Some(name) != self.config.password_column.as_deref()
            && self.config.columns.iter().any(|c| c == name)
    }

    /// The data columns in `select` order after the key: their names.
    fn data_columns(&self) -> impl Iterator<Item = &String> {
        self.config
            .columns
            .iter()
            .filter(|c| **c != self.config.key_column)
    }

    /// The user in one result row, whose cells `cell` reads as JSON by column index (key
    /// column first, then the data columns, then the password column).
    fn user_from_row(
        &self,
        cell: impl Fn(usize) -> std::result::Result<Value, String>,
    ) -> std::result::Result<LegacyUser, UnreadableRow> {
        let key = cell(0).unwrap_or(Value::Null);
        let key_text = match &key {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let mut fields = Record::new();
        fields.insert(self.config.key_column.clone(), key);
        let mut idx = 1;
        for name in self.data_columns() {
            match cell(idx) {
                Ok(v) => {
                    fields.insert(name.clone(), v);
                }
                Err(msg) => {
                    return Err(UnreadableRow::new(
                        key_text,
                        Error::invalid_input(format!("column '{name}': {msg}")),
                    ));
                }
            }
            idx += 1;
        }
        let mut user = LegacyUser::new(fields);
        if self.config.password_column.is_some() {
            match cell(idx) {
                Ok(Value::String(s)) if !s.is_empty() => user.password = Some(Secret::new(s)),
                Ok(_) => {}
                Err(msg) => {
                    return Err(UnreadableRow::new(
                        key_text,
                        Error::invalid_input(format!("password column: {msg}")),
                    ));
                }
            }
        }
        Ok(user)
    }
}

/// One cell as JSON. Errors: a message saying why it cannot be read.
fn cell<R>(row: &R, idx: usize) -> std::result::Result<Value, String>
where
    R: Row,
    usize: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i32: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> f64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> bool: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    let raw = row.try_get_raw(idx).map_err(|e| e.to_string())?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    if let Ok(i) = row.try_get::<i64, _>(idx) {
        return Ok(Value::from(i));
    }
    if let Ok(i) = row.try_get::<i32, _>(idx) {
        return Ok(Value::from(i));
    }
    if let Ok(f) = row.try_get::<f64, _>(idx) {
        return Ok(Number::from_f64(f).map_or(Value::Null, Value::Number));
    }
    if let Ok(b) = row.try_get::<bool, _>(idx) {
        return Ok(Value::Bool(b));
    }
    if let Ok(s) = row.try_get::<String, _>(idx) {
        return Ok(Value::String(s));
    }
    match row.try_get::<Vec<u8>, _>(idx) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Value::String)
            .map_err(|_| "invalid UTF-8 text".to_owned()),
        Err(_) => Err("unsupported column type".to_owned()),
    }
}

fn hash_password(password: &LegacyPassword, cost: u32) -> Result<String> {
    match password {
        LegacyPassword::Hashed(h) => Ok(h.expose_secret().to_owned()),
        LegacyPassword::Plain(p) => bcrypt::hash(p.expose_secret(), cost)
            .map_err(|_| Error::invalid_input("the password cannot be hashed")),
        #[allow(unreachable_patterns)]
        _ => Err(Error::invalid_input("unsupported password form")),
    }
}

#[async_trait]
impl LegacySystemAdapter for SqlAdapter {
    async fn find_user(&self, field: &str, value: &Value) -> Result<Option<LegacyUser>> {
        let schema = self.schema().await?;
        let sql = format!(
            "{} WHERE {} = $1 LIMIT 1",
            schema.select,
            self.column(schema, field)?
        );
        let user = with_pool!(self, p => {
            let q = bind_value!(sqlx::query(&sql), value);
            q.fetch_optional(p)
                .await
                .map_err(|e| self.db_error("finding a user", e))?
                .map(|row| self.user_from_row(|i| cell(&row, i)))
        });
        match user {
            None => Ok(None),
            Some(Ok(u)) => Ok(Some(u)),
            Some(Err(bad)) => Err(bad.error),
        }
    }

    async fn create_user(
        &self,
        fields: &Record,
        password: Option<&LegacyPassword>,
    ) -> Result<Value> {
        let schema = self.schema().await?;
        let mut names = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        for (k, v) in fields.iter().filter(|(k, _)| self.writable(k)) {
            names.push(self.column(schema, k)?);
            values.push(match v {
                Value::Array(_) | Value::Object(_) => Value::String(v.to_string()),
                other => other.clone(),
            });
        }
        if let (Some(col), Some(pw)) = (&self.config.password_column, password) {
            let cost = self.config.bcrypt_cost;
            let pw = pw.clone();
            let hash = tokio::task::spawn_blocking(move || hash_password(&pw, cost))
                .await
                .map_err(|_| Error::invalid_input("the password cannot be hashed"))??;
            names.push(self.column(schema, col)?);
            values.push(Value::String(hash));
        }
        if names.is_empty() {
            return Err(Error::invalid_input("no mapped column to write"));
        }
        let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({}) RETURNING {}",
            schema.table,
            names.join(", "),
            placeholders.join(", "),
            self.column(schema, &self.config.key_column)?,
        );
        with_pool!(self, p => {
            let mut q = sqlx::query(&sql);
            for v in &values {
                q = bind_value!(q, v);
            }
            let row = q.fetch_one(p).await.map_err(|e| self.db_error("creating a user", e))?;
            cell(&row, 0).map_err(|m| Error::protocol(format!("the new user's key: {m}")))
        })
    }

    async fn update_user(&self, field: &str, value: &Value, changes: &Record) -> Result<bool> {
        let schema = self.schema().await?;
        let mut sets = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        for (k, v) in changes.iter().filter(|(k, _)| self.writable(k)) {
            values.push(match v {
                Value::Array(_) | Value::Object(_) => Value::String(v.to_string()),
                other => other.clone(),
            });
            sets.push(format!("{} = ${}", self.column(schema, k)?, values.len()));
        }
        if sets.is_empty() {
            return Ok(self.find_user(field, value).await?.is_some());
        }
        values.push(value.clone());
        let sql = format!(
            "UPDATE {} SET {} WHERE {} = ${}",
            schema.table,
            sets.join(", "),
            self.column(schema, field)?,
            values.len()
        );
        let done = with_pool!(self, p => {
            let mut q = sqlx::query(&sql);
            for v in &values {
                q = bind_value!(q, v);
            }
            q.execute(p).await.map(|r| r.rows_affected())
        })
        .map_err(|e| self.db_error("updating a user", e))?;
        Ok(done > 0)
    }

    async fn disable_user(&self, field: &str, value: &Value) -> Result<bool> {
        let schema = self.schema().await?;
        let table = &schema.table;
        let (sql, args) = match &self.config.disabled_column {
            Some(col) => (
                format!(
                    "UPDATE {table} SET {} = $1 WHERE {} = $2",
                    self.column(schema, col)?,
                    self.column(schema, field)?
                ),
                vec![self.config.disabled_value.clone(), value.clone()],
            ),
            None => (
                format!(
                    "DELETE FROM {table} WHERE {} = $1",
                    self.column(schema, field)?
                ),
                vec![value.clone()],
            ),
        };
        let done = with_pool!(self, p => {
            let mut q = sqlx::query(&sql);
            for v in &args {
                q = bind_value!(q, v);
            }
            q.execute(p).await.map(|r| r.rows_affected())
        })
        .map_err(|e| self.db_error("disabling a user", e))?;
        Ok(done > 0)
    }

    async fn fetch_page(&self, after: Option<&Value>, limit: usize) -> Result<LegacyPage> {
        let schema = self.schema().await?;
        let key = self.column(schema, &self.config.key_column)?;
        let limit_i = i64::try_from(limit.max(1)).unwrap_or(i64::MAX);
        let sql = match after {
            Some(_) => format!("{} WHERE {key} > $1 ORDER BY {key} LIMIT $2", schema.select),
            None => format!("{} ORDER BY {key} LIMIT $1", schema.select),
        };
        let (rows, last) = with_pool!(self, p => {
            let mut q = sqlx::query(&sql);
            if let Some(a) = after {
                q = bind_value!(q, a);
            }
            let rows = q
                .bind(limit_i)
                .fetch_all(p)
                .await
                .map_err(|e| self.db_error("reading users", e))?;
            let last = match rows.last() {
                Some(r) => Some(cell(r, 0).map_err(|m| {
                    Error::protocol(format!(
                        "legacy database {}, table {}: the key column cannot be read: {m}",
                        self.database, self.config.table
                    ))
                })?),
                None => None,
            };
            (rows.iter().map(|r| self.user_from_row(|i| cell(r, i))).collect::<Vec<_>>(), last)
        });
        tracing::debug!(
            table = %self.config.table,
            rows = rows.len(),
            after = %after.map_or_else(|| "start".to_owned(), |v| v.to_string()),
            "read a page of legacy users"
        );
        let next = if rows.len() >= limit.max(1) {
            last
        } else {
            None
        };
        Ok(LegacyPage::new(rows, next))
    }

    fn user_id(&self, user: &LegacyUser) -> Value {
        user.fields
            .get(&self.config.key_column)
            .cloned()
            .unwrap_or(Value::Null)
    }
}
