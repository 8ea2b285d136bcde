//! The real table behind a [`SqlAdapterConfig`](super::SqlAdapterConfig): its columns, read
//! from the database (SQLite `pragma_table_info`, Postgres `information_schema.columns`) before
//! any configured name is put into SQL, and how the database is named in errors.

use std::fmt::Write as _;

use polyauth_core::{Error, Result};
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;

use super::{Pool, SqlAdapterConfig, is_identifier};

/// At most this many table or column names are listed in an error.
const MAX_LISTED: usize = 100;

/// The checked table: its real columns and the statements built from checked names only.
#[derive(Clone, Debug)]
pub(super) struct Schema {
    /// The table's columns as the database spells them, in table order.
    pub(super) columns: Vec<String>,
    /// SQLite compares identifiers without regard to ASCII case; Postgres (quoted) exactly.
    case_insensitive: bool,
    /// The quoted table name.
    pub(super) table: String,
    /// `SELECT key, data columns..., password FROM table`.
    pub(super) select: String,
}

impl Schema {
    /// The table's spelling of `name`, when the table has that column.
    fn find(&self, name: &str) -> Option<&str> {
        self.columns
            .iter()
            .find(|c| {
                if self.case_insensitive {
                    c.eq_ignore_ascii_case(name)
                } else {
                    c.as_str() == name
                }
            })
            .map(String::as_str)
    }

    /// `name` quoted for SQL, when it is a plain identifier and a column of the table.
    ///
    /// Errors: `InvalidInput` naming the column and listing the table's columns.
    pub(super) fn column(&self, database: &str, table: &str, name: &str) -> Result<String> {
        if !is_identifier(name) {
            return Err(Error::invalid_input(format!(
                "{name:?} is not a plain SQL identifier"
            )));
        }
        match self.find(name) {
            Some(real) => Ok(format!("\"{real}\"")),
            None => Err(Error::invalid_input(format!(
                "legacy database {database}, table {table}: no column \"{name}\"; {}",
                listing("its columns are", &self.columns)
            ))),
        }
    }
}

/// `"{what}: a, b, c"` (at most [`MAX_LISTED`] names), or `"{what}: (none)"`.
fn listing(what: &str, names: &[String]) -> String {
    let mut out = format!("{what}: ");
    if names.is_empty() {
        out.push_str("(none)");
        return out;
    }
    out.push_str(
        &names
            .iter()
            .take(MAX_LISTED)
            .cloned()
            .collect::<Vec<_>>()
            .join(", "),
    );
    if names.len() > MAX_LISTED {
        let _ = write!(out, ", ... ({} in all)", names.len());
    }
    out
}

fn read_error(database: &str, table: &str, e: &sqlx::Error) -> Error {
    Error::unavailable(format!(
        "legacy database {database}, table {table}: reading the table's columns failed: {e}"
    ))
}

/// Reads the table's columns and checks every configured name against them: the key column,
/// the data columns, the password column and the disabled column.
///
/// Errors: `ConfigInvalid` when the table does not exist (listing the tables there are) or
/// when any configured column is not one of its columns (naming each, listing the table's
/// columns); `Unavailable` when the database cannot be read.
pub(super) async fn load(pool: &Pool, config: &SqlAdapterConfig, database: &str) -> Result<Schema> {
    let table = config.table.as_str();
    let (columns, case_insensitive) = match pool {
        Pool::Sqlite(p) => (
            sqlx::query_scalar::<_, String>("SELECT name FROM pragma_table_info($1) ORDER BY cid")
                .bind(table)
                .fetch_all(p)
                .await
                .map_err(|e| read_error(database, table, &e))?,
            true,
        ),
        Pool::Postgres(p) => (
            // The schema an unqualified, quoted table name resolves to (the search path), as
            // the statements below name it.
            sqlx::query_scalar::<_, String>(
                "SELECT c.column_name::text FROM information_schema.columns c \
                 WHERE c.table_name::text = $1 AND c.table_schema::text = ( \
                     SELECT n.nspname::text FROM pg_catalog.pg_class k \
                     JOIN pg_catalog.pg_namespace n ON n.oid = k.relnamespace \
                     WHERE k.oid = to_regclass(quote_ident($1))) \
                 ORDER BY c.ordinal_position",
            )
            .bind(table)
            .fetch_all(p)
            .await
            .map_err(|e| read_error(database, table, &e))?,
            false,
        ),
    };
    if columns.is_empty() {
        let tables = table_names(pool)
            .await
            .map_err(|e| read_error(database, table, &e))?;
        return Err(Error::config(format!(
            "legacy database {database}: no table \"{table}\"; {}",
            listing("its tables are", &tables)
        )));
    }
    let mut schema = Schema {
        columns,
        case_insensitive,
        table: format!("\"{table}\""),
        select: String::new(),
    };
    let mut unknown = Vec::new();
    let mut check = |name: &str, role: &str| {
        if schema.find(name).is_none() {
            unknown.push(format!("\"{name}\" ({role})"));
        }
    };
    check(&config.key_column, "the key column");
    for c in &config.columns {
        check(c, "a mapped column");
    }
    if let Some(p) = &config.password_column {
        check(p, "the password column");
    }
    if let Some(d) = &config.disabled_column {
        check(d, "the disabled column");
    }
    if !unknown.is_empty() {
        return Err(Error::config(format!(
            "legacy database {database}, table {table}: unknown column{} {}; {}",
            if unknown.len() > 1 { "s" } else { "" },
            unknown.join(", "),
            listing("the table's columns are", &schema.columns)
        )));
    }
    let col = |name: &str| schema.column(database, table, name);
    let mut cols = vec![col(&config.key_column)?];
    for c in config.columns.iter().filter(|c| **c != config.key_column) {
        cols.push(col(c)?);
    }
    if let Some(p) = &config.password_column {
        cols.push(col(p)?);
    }
    schema.select = format!("SELECT {} FROM {}", cols.join(", "), schema.table);
    tracing::debug!(
        database,
        table,
        columns = ?schema.columns,
        "legacy table checked: every configured column exists"
    );
    Ok(schema)
}

/// The tables (and views) a table name can refer to, for the error about a missing one.
async fn table_names(pool: &Pool) -> std::result::Result<Vec<String>, sqlx::Error> {
    match pool {
        Pool::Sqlite(p) => {
            sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') \
                 AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
            )
            .fetch_all(p)
            .await
        }
        Pool::Postgres(p) => {
            sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema::text = ANY (current_schemas(false)::text[]) ORDER BY 1",
            )
            .fetch_all(p)
            .await
        }
    }
}

/// How a SQLite database is named in errors: its file's absolute path.
pub(super) fn sqlite_name(options: &SqliteConnectOptions) -> String {
    let file = options.get_filename();
    std::path::absolute(file)
        .unwrap_or_else(|_| file.to_path_buf())
        .display()
        .to_string()
}

/// How a Postgres database is named in errors: its URL without the password.
pub(super) fn postgres_name(options: &PgConnectOptions) -> String {
    let db = options.get_database().unwrap_or_default();
    match options.get_socket() {
        Some(dir) => format!(
            "postgres://{}@{}:{}/{db} (socket {})",
            options.get_username(),
            options.get_host(),
            options.get_port(),
            dir.display()
        ),
        None => format!(
            "postgres://{}@{}:{}/{db}",
            options.get_username(),
            options.get_host(),
            options.get_port()
        ),
    }
}

/// `url` without a password: the user-info password and any `password` query parameter are
/// dropped (for URLs the driver could not parse).
pub(super) fn redact_url(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((s, r)) => (format!("{s}://"), r),
        None => (String::new(), url),
    };
    let (before_query, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    let end = before_query.find('/').unwrap_or(before_query.len());
    let (authority, path) = before_query.split_at(end);
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
            format!("{user}@{host}")
        }
        None => authority.to_owned(),
    };
    let mut out = format!("{scheme}{authority}{path}");
    if let Some(q) = query {
        let kept: Vec<&str> = q
            .split('&')
            .filter(|p| {
                let key = p.split_once('=').map_or(*p, |(k, _)| k);
                !key.eq_ignore_ascii_case("password")
            })
            .collect();
        if !kept.is_empty() {
            out.push('?');
            out.push_str(&kept.join("&"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_never_reach_a_message() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db.example:5432/legacy?sslmode=require"),
            "postgres://app@db.example:5432/legacy?sslmode=require"
        );
        assert_eq!(
            redact_url("postgresql://db/legacy?user=app&password=s3cret"),
            "postgresql://db/legacy?user=app"
        );
        assert_eq!(redact_url("sqlite://legacy.db"), "sqlite://legacy.db");
    }
}
