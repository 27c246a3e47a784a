/* The legacy vectors L1-L75 of spec obfuscation.md §2.10, shared by test_legacy.c (expected
 * outputs) and test_cache.c (the same through the result cache). Options are written as
 * short flags: pg, ms, alias, digits, dqf, tables, meta. */
#ifndef RTLOADER_TEST_OBFUSCATE_LEGACY_VECTORS_H
#define RTLOADER_TEST_OBFUSCATE_LEGACY_VECTORS_H

typedef struct {
    const char *id, *input, *opts, *output;
    const char *tables, *commands, *comments; /* NULL: not checked; "" none; items split by ¦ */
} legacy_vector_t;

static const legacy_vector_t vectors[] = {
    {"L1", "SELECT username AS person FROM users WHERE id=4", "", "SELECT username FROM users WHERE id = ?"},
    {"L2", "SELECT username AS person FROM users WHERE id=4", "alias", "SELECT username AS person FROM users WHERE id = ?"},
    {"L3", "autovacuum: VACUUM fake.big_table (to prevent wraparound)", "", "autovacuum : VACUUM fake.big_table ( to prevent wraparound )"},
    {"L4", "select * from `backslashes` where id = 42", "digits,tables", "select * from backslashes where id = ?", "backslashes"},
    {"L5", "SELECT host, status FROM ec2_status WHERE org_id = 42", "digits,tables", "SELECT host, status FROM ec?_status WHERE org_id = ?", "ec?_status"},
    {"L6", "SELECT articles.* FROM articles WHERE articles.id = 1 LIMIT 1, 20", "tables", "SELECT articles.* FROM articles WHERE articles.id = ? LIMIT ?", "articles"},
    {"L7", "UPDATE user_dash_pref SET json_prefs = %(json_prefs)s, modified = '2015-08-27 22:10:32.492912' WHERE user_id = %(user_id)s AND url = %(url)s", "tables", "UPDATE user_dash_pref SET json_prefs = ? modified = ? WHERE user_id = ? AND url = ?", "user_dash_pref"},
    {"L8", "SELECT name FROM people WHERE person_id = -1", "tables", "SELECT name FROM people WHERE person_id = ?", "people"},
    {"L9", "SELECT * FROM `host` WHERE `id` IN (42, 43) /*comment with parameters,host:localhost,url:controller#home,id:FF005:00CAA*/", "", "SELECT * FROM host WHERE id IN ( ? )"},
    {"L10", "SELECT `host`.`address` FROM `host` WHERE org_id=42", "", "SELECT host . address FROM host WHERE org_id = ?"},
    {"L11", "SELECT \"host\".\"address\" FROM \"host\" WHERE org_id=42", "", "SELECT host . address FROM host WHERE org_id = ?"},
    {"L12", "SELECT date(created_at) as ordered_date, sum(price) as total_price FROM orders GROUP BY date(created_at) HAVING sum(price) > 100", "", "SELECT date ( created_at ), sum ( price ) FROM orders GROUP BY date ( created_at ) HAVING sum ( price ) > ?"},
    {"L13", "SAVEPOINT \"s139956586256192_x1\"", "", "SAVEPOINT ?"},
    {"L14", "SELECT server_table.host AS host_id FROM table#.host_tags as server_table WHERE server_table.host_id = 50", "", "SELECT server_table.host FROM table#.host_tags WHERE server_table.host_id = ?"},
    {"L15", "SELECT /*! STRAIGHT_JOIN */ col1 FROM table1", "", "SELECT col1 FROM table1"},
    {"L16", "SET @g = 'POLYGON((0 0,10 0,10 10,0 10,0 0),(5 5,7 5,7 7,5 7, 5 5))';", "", "SET @g = ?"},
    {"L17", "SELECT * FROM users WHERE lastname=\" \"", "", "SELECT * FROM users WHERE lastname = ?"},
    {"L18", "{call curly_fun('{{', '}}', '}', '}')};", "", "{ call curly_fun ( ? ) }"},
    {"L19", "SELECT id, name FROM emp WHERE name LIKE {fn UCASE('Smith')}", "", "SELECT id, name FROM emp WHERE name LIKE ?"},
    {"L20", "INSERT INTO table (field1) VALUES ($some tag$this text confuses$some other text$some ta not quite$some tag$)", "", "INSERT INTO table ( field1 ) VALUES ( ? )"},
    {"L21", "SELECT * FROM dbo.Items WHERE id = 1 or /*!obfuscation*/ 1 = 1", "", "SELECT * FROM dbo.Items WHERE id = ? or ? = ?"},
    {"L22", "select * from users where user.custom @> '{a,b}'", "pg", "select * from users where user.custom @> ?"},
    {"L23", "select * from ##ThisIsAGlobalTempTable where id = 1", "ms", "select * from ##ThisIsAGlobalTempTable where id = ?"},
    {"L24", "CREATE TRIGGER dogwatcher SELECT ON w1 BEFORE (UPDATE d1 SET (c1, c2, c3) = (c1 + 1, c2 + 1, c3 + 1))", "tables", "CREATE TRIGGER dogwatcher SELECT ON w1 BEFORE ( UPDATE d1 SET ( c1, c2, c3 ) = ( c1 + ? c2 + ? c3 + ? ) )", "d1"},
    {"L25", "REVOKE ALL ON SCHEMA datadog FROM datadog", "tables", "REVOKE ALL ON SCHEMA datadog FROM datadog", "datadog"},
    {"L26", "select * from t where x in (1,2,3) and y in ('a', 'b')", "", "select * from t where x in ( ? ) and y in ( ? )"},
    {"L27", "INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y'), (3, 'z')", "", "INSERT INTO t ( a, b ) VALUES ( ? )"},
    {"L28", "UPDATE t SET a = 1, b = 'two', c = NULL WHERE id = 9", "", "UPDATE t SET a = ? b = ? c = ? WHERE id = ?"},
    {"L29", "SELECT * FROM t WHERE flag = TRUE OR flag IS NULL", "", "SELECT * FROM t WHERE flag = ? OR flag IS ?"},
    {"L30", "SELECT * FROM t WHERE a = $1 AND b = $12", "pg", "SELECT * FROM t WHERE a = ? AND b = ?"},
    {"L31", "SELECT * FROM t WHERE a = :a AND b = :b1", "or", "SELECT * FROM t WHERE a = :a AND b = :b1"},
    {"L32", "SELECT * FROM t WHERE a = @a AND b = @b", "ms", "SELECT * FROM t WHERE a = @a AND b = @b"},
    {"L33", "SELECT 0x1F, 1.5e-3, -7, .25, 010", "", "SELECT ?"},
    {"L34", "SELECT X'0A', B'01', N'nvarchar'", "", "SELECT X ? B ? N ?"},
    {"L35", "SELECT E'line\\n' FROM t", "pg", "SELECT E ? FROM t"},
    {"L36", "SELECT * FROM t LIMIT 10 OFFSET 20", "", "SELECT * FROM t LIMIT ? OFFSET ?"},
    {"L37", "SELECT * FROM t LIMIT 5, 10", "my", "SELECT * FROM t LIMIT ?"},
    {"L38", "SELECT a AS b, c AS \"d e\" FROM t AS u", "", "SELECT a, c FROM t"},
    {"L39", "SELECT a AS b, c AS \"d e\" FROM t AS u", "alias", "SELECT a AS b, c AS d e FROM t AS u"},
    {"L40", "SELECT CAST(x AS INT) FROM t", "", "SELECT CAST ( x ) FROM t"},
    {"L41", "SELECT \"Col\" FROM \"Tab\" WHERE \"Col\" = \"v\"", "", "SELECT Col FROM Tab WHERE Col = ?"},
    {"L42", "SELECT `col` FROM `db`.`tab`", "my", "SELECT col FROM db . tab"},
    {"L43", "SELECT [Col] FROM [dbo].[Tab] WHERE [Col] = 'x'", "ms", "SELECT Col FROM dbo . Tab WHERE Col = ?"},
    {"L44", "SELECT [Col] FROM [dbo].[Tab] WHERE [Col] = 'x'", "", "SELECT [ Col ] FROM [ dbo ] . [ Tab ] WHERE [ Col ] = ?"},
    {"L45", "SELECT * FROM #tmp WHERE id = 1", "ms", "SELECT * FROM #tmp WHERE id = ?"},
    {"L46", "SELECT * FROM t # trailing comment", "my", "SELECT * FROM t"},
    {"L47", "SELECT a -- c1\nFROM t /* c2 */ WHERE b = 2", "meta", "SELECT a FROM t WHERE b = ?", "t", "SELECT", "-- c1¦/* c2 */"},
    {"L48", "SELECT data->'k', data->>'k', data #> '{a}' FROM t", "pg", "SELECT data -> ? data ->> ? data #> ? FROM t"},
    {"L49", "SELECT data->'k' FROM t", "", "SELECT data ? > ? FROM t"},
    {"L50", "SELECT * FROM t WHERE tags ?| array['a','b'] AND doc @> '{}'", "pg", "SELECT * FROM t WHERE tags ?| array [ ? ] AND doc @> ?"},
    {"L51", "SELECT $$it's$$, $q$x$q$", "pg", "SELECT ?"},
    {"L52", "SELECT $func$SELECT 1$func$", "pg,dqf", "SELECT $func$SELECT ?$func$"},
    {"L53", "SELECT a::text, b::int FROM t", "pg", "SELECT a :: text, b :: int FROM t"},
    {"L54", "SELECT * FROM t WHERE a <> 1 AND b <=> 2 AND c != 3", "", "SELECT * FROM t WHERE a <> ? AND b <=> ? AND c != ?"},
    {"L55", "SELECT * FROM t1 JOIN t2 ON t1.id = t2.id WHERE t1.x = 5", "meta", "SELECT * FROM t1 JOIN t2 ON t1.id = t2.id WHERE t1.x = ?", "t1¦t2", "SELECT¦JOIN", ""},
    {"L56", "INSERT INTO archive_2021 SELECT * FROM live_2021 WHERE y = 2021", "digits,meta", "INSERT INTO archive_? SELECT * FROM live_? WHERE y = ?", "archive_?¦live_?", "INSERT¦SELECT", ""},
    {"L57", "WITH x AS (SELECT 1) SELECT * FROM x", "meta", "WITH x SELECT ? ) SELECT * FROM x", "x", "SELECT¦SELECT", ""},
    {"L58", "SELECT * FROM t WHERE name = 'O\\'Brien'", "", "SELECT * FROM t WHERE name = ?"},
    {"L59", "SELECT * FROM t WHERE id = 1; SELECT 2;", "", "SELECT * FROM t WHERE id = ? SELECT ?"},
    {"L60", "VALUES (1, 2), (SELECT 3)", "", "VALUES ( ? ) ( SELECT ? )"},
    {"L61", "GRANT SELECT ON t TO bob", "meta", "GRANT SELECT ON t TO bob", "", "GRANT¦SELECT", ""},
    {"L62", "SELECT 1 ! 2", "", "SELECT ? ! ?"},
};

static const struct {
    const char *id, *input, *error;
} error_vectors[] = {
    {"L63", "", "result is empty"},
    {"L64", "SELECT a FROM b WHERE a.x !* 2", "at position 27: unexpected char \"*\" (42) after \"!\""},
    {"L65", "SELECT \xF0\x9F\xA5\x92", "at position 11: unexpected byte 129362"},
    {"L66", "SELECT %(asd)| FROM profile", "at position 13: invalid character after variable identifier: \"|\" (124)"},
    {"L67", "USING $A FROM users", "at position 20: unexpected EOF in string"},
    {"L68", "INSERT VALUES (1, 2) INTO {ABC", "at position 30: unexpected EOF in escape sequence"},
    {"L69", "SELECT one, :.two FROM profile", "at position 13: bind variables should start with letters or digits, got \".\" (46)"},
    {"L70", "SELECT age FROM profile WHERE name='John", "at position 41: unexpected EOF in string"},
    {"L71", "/* abcd", "at position 7: unexpected EOF in comment"},
    {"L72", "SELECT age FROM profile WHERE name='John\\' and place='John\\'s House'", "at position 59: unexpected byte 92"},
    {"L73", "SELECT age FROM profile WHERE place='John\\'s House' and name='John\\'", "at position 69: unexpected EOF in string"},
    {"L74", "SELECT * FROM t WHERE x = 'unterminated", "at position 40: unexpected EOF in string"},
    {"L75", "-- just a comment", "result is empty"},
};

#endif
