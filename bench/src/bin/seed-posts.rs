//! Fills a ferromost SQLite database with posts for the search and history benchmark:
//! `seed-posts <sqlite file> <user id> <count> <channel id>...`. The posts are spread
//! evenly over the channels, one a second apart going back from now, and their messages
//! are made of numbered words (`w0` to `w5002` and others) so that a word matches a known
//! share of them. The full-text index fills through ferromost's own triggers.

use sea_orm::{ConnectOptions, ConnectionTrait, Database, Statement, TransactionTrait};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [file, user, count, channels @ ..] = args.as_slice() else {
        eprintln!("usage: seed-posts <sqlite file> <user id> <count> <channel id>...");
        std::process::exit(2);
    };
    let count: i64 = count.parse().expect("a count");
    assert!(!channels.is_empty(), "at least one channel");
    let mut options = ConnectOptions::new(format!("sqlite://{file}"));
    options.max_connections(1).sqlx_logging(false);
    let db = Database::connect(options)
        .await
        .expect("opening the database");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock")
        .as_millis();
    let now = i64::try_from(now).expect("a time");
    let backend = db.get_database_backend();
    let txn = db.begin().await.expect("a transaction");
    let n = i64::try_from(channels.len()).expect("a channel count");
    for (i, channel) in channels.iter().enumerate() {
        let i = i64::try_from(i).expect("an index");
        let share = count / n + i64::from(i < count % n);
        let insert = Statement::from_sql_and_values(
            backend,
            "WITH RECURSIVE seq(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM seq WHERE x + 1 < ?) \
             INSERT INTO posts (id, create_at, update_at, edit_at, delete_at, is_pinned, user_id, \
               channel_id, root_id, original_id, message, post_type, props, hashtags, file_ids, \
               pending_post_id) \
             SELECT printf('seed%02d%016x', ?, x), ? - (x * ? + ?) * 1000, ? - (x * ? + ?) * 1000, \
               0, 0, 0, ?, ?, '', '', \
               printf('w%d w%d w%d status update %d for the team', \
                 (x * 7 + ?) % 5003, (x * 31) % 4999, (x * 17) % 997, x), \
               '', '{}', '', '[]', '' FROM seq",
            [
                share.into(),
                i.into(),
                now.into(),
                n.into(),
                i.into(),
                now.into(),
                n.into(),
                i.into(),
                user.as_str().into(),
                channel.as_str().into(),
                i.into(),
            ],
        );
        txn.execute_raw(insert).await.expect("inserting posts");
        let counts = Statement::from_sql_and_values(
            backend,
            "UPDATE channels SET total_msg_count = total_msg_count + ?, \
               total_msg_count_root = total_msg_count_root + ? WHERE id = ?",
            [share.into(), share.into(), channel.as_str().into()],
        );
        txn.execute_raw(counts).await.expect("counting posts");
    }
    txn.commit().await.expect("committing");
    db.execute_unprepared("ANALYZE").await.expect("analysing");
    println!("{count} posts in {} channels", channels.len());
}
