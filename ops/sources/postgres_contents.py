"""What a target database already holds, and how ``--replace`` empties it inside the restore.

A restore into a database that holds data would leave a mix (objects not in the backup
survive, rows written since the backup are lost without a word), so restore refuses a
non-empty target unless ``--replace`` is given. "Empty" means no user schema besides
``public`` and no table, view, sequence, routine, type, operator, collation, text search
object, conversion, extension (besides plpgsql), large object, event trigger, publication
or foreign server: what ``CONTENTS_SQL`` lists.

``--replace`` drops all of that (``DROP_SQL``) in the SAME transaction as the restore,
then checks the database is empty before loading the backup; if anything cannot be
dropped or the restore fails, the transaction rolls back and the target is unchanged.
The ``public`` schema itself stays (its owner and grants are the database's).
"""

from __future__ import annotations

from ops.sources.postgres import run_psql
from ops.urls import PostgresUrl

SHOWN = 5

_USER_SCHEMAS = """
    SELECT oid, nspname FROM pg_namespace
    WHERE nspname NOT IN ('pg_catalog', 'information_schema')
      AND nspname !~ '^pg_(toast|temp|toast_temp)'
"""

# (kind, name) of every user object; empty output = an empty database.
CONTENTS_SQL = f"""
WITH ns AS ({_USER_SCHEMAS})
SELECT 'schema', quote_ident(nspname) FROM ns WHERE nspname <> 'public'
UNION ALL
SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
       WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' WHEN 'c' THEN 'type'
       ELSE 'table' END, format('%I.%I', ns.nspname, c.relname)
FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c')
UNION ALL
SELECT 'routine', p.oid::regprocedure::text FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace
UNION ALL
SELECT 'type', t.oid::regtype::text FROM pg_type t JOIN ns ON ns.oid = t.typnamespace
WHERE t.typrelid = 0 AND t.typcategory <> 'A'
UNION ALL
SELECT 'operator', o.oid::regoperator::text FROM pg_operator o JOIN ns ON ns.oid = o.oprnamespace
UNION ALL
SELECT 'collation', format('%I.%I', ns.nspname, c.collname)
FROM pg_collation c JOIN ns ON ns.oid = c.collnamespace
UNION ALL
SELECT 'text search configuration', c.oid::regconfig::text
FROM pg_ts_config c JOIN ns ON ns.oid = c.cfgnamespace
UNION ALL
SELECT 'text search dictionary', d.oid::regdictionary::text
FROM pg_ts_dict d JOIN ns ON ns.oid = d.dictnamespace
UNION ALL
SELECT 'conversion', format('%I.%I', ns.nspname, c.conname)
FROM pg_conversion c JOIN ns ON ns.oid = c.connamespace
UNION ALL
SELECT 'operator family', format('%I.%I', ns.nspname, f.opfname)
FROM pg_opfamily f JOIN ns ON ns.oid = f.opfnamespace
UNION ALL
SELECT 'extension', quote_ident(extname) FROM pg_extension WHERE extname <> 'plpgsql'
UNION ALL
SELECT 'large object', oid::text FROM pg_largeobject_metadata
UNION ALL
SELECT 'event trigger', quote_ident(evtname) FROM pg_event_trigger
UNION ALL
SELECT 'publication', quote_ident(pubname) FROM pg_publication
UNION ALL
SELECT 'foreign server', quote_ident(srvname) FROM pg_foreign_server
ORDER BY 1, 2
"""

# DROP statements, in an order where CASCADE and IF EXISTS make each one safe to run even
# when an earlier one already took its object along.
_DROPS = f"""
WITH ns AS ({_USER_SCHEMAS})
SELECT 1, format('DROP EVENT TRIGGER IF EXISTS %I CASCADE', evtname) FROM pg_event_trigger
UNION ALL SELECT 1, format('DROP PUBLICATION IF EXISTS %I', pubname) FROM pg_publication
UNION ALL SELECT 2, format('DROP EXTENSION IF EXISTS %I CASCADE', extname)
    FROM pg_extension WHERE extname <> 'plpgsql'
UNION ALL SELECT 3, format('DROP SCHEMA IF EXISTS %I CASCADE', nspname)
    FROM ns WHERE nspname <> 'public'
UNION ALL SELECT 4, format('DROP SERVER IF EXISTS %I CASCADE', srvname) FROM pg_foreign_server
UNION ALL SELECT 5, format('DROP %s IF EXISTS public.%I CASCADE',
    CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
    WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'c' THEN 'TYPE'
    ELSE 'TABLE' END, c.relname)
    FROM pg_class c WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = 'public')
     AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c')
UNION ALL SELECT 6, format('DROP %s IF EXISTS %s CASCADE',
    CASE p.prokind WHEN 'a' THEN 'AGGREGATE' WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END,
    p.oid::regprocedure) FROM pg_proc p WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = 'public')
UNION ALL SELECT 7, format('DROP %s IF EXISTS %s CASCADE',
    CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.oid::regtype)
    FROM pg_type t WHERE t.typnamespace = (SELECT oid FROM pg_namespace WHERE nspname = 'public')
     AND t.typrelid = 0 AND t.typcategory <> 'A' AND t.typtype <> 'm'
UNION ALL SELECT 8, format('DROP OPERATOR IF EXISTS %s CASCADE', o.oid::regoperator)
    FROM pg_operator o WHERE o.oprnamespace = (SELECT oid FROM pg_namespace WHERE nspname = 'public')
UNION ALL SELECT 8, format('DROP COLLATION IF EXISTS public.%I CASCADE', collname)
    FROM pg_collation WHERE collnamespace = (SELECT oid FROM pg_namespace WHERE nspname = 'public')
UNION ALL SELECT 8, format('DROP TEXT SEARCH CONFIGURATION IF EXISTS %s CASCADE', oid::regconfig)
    FROM pg_ts_config WHERE cfgnamespace = (SELECT oid FROM pg_namespace WHERE nspname = 'public')
UNION ALL SELECT 9, format('DROP TEXT SEARCH DICTIONARY IF EXISTS %s CASCADE',
    oid::regdictionary) FROM pg_ts_dict WHERE dictnamespace = (SELECT oid FROM pg_namespace WHERE nspname = 'public')
UNION ALL SELECT 9, format('DROP CONVERSION IF EXISTS public.%I CASCADE', conname)
    FROM pg_conversion WHERE connamespace = (SELECT oid FROM pg_namespace WHERE nspname = 'public')
UNION ALL SELECT 10, format('SELECT lo_unlink(%s)', oid) FROM pg_largeobject_metadata
"""

REPLACE_SQL = f"""
DO $ops_replace$
DECLARE
    statement text;
    leftover text;
BEGIN
    FOREACH statement IN ARRAY ARRAY(SELECT s FROM ({_DROPS}) AS d(o, s) ORDER BY o, s) LOOP
        EXECUTE statement;
    END LOOP;
    SELECT string_agg(kind || ' ' || name, ', ') INTO leftover
    FROM (SELECT * FROM ({CONTENTS_SQL}) AS c(kind, name) LIMIT {SHOWN}) AS shown;
    IF leftover IS NOT NULL THEN
        RAISE EXCEPTION 'ops --replace: the target still holds % after emptying it', leftover;
    END IF;
END
$ops_replace$;
"""


def database_contents(url: PostgresUrl, role: str = "target PostgreSQL") -> list[str]:
    """``kind name`` of every user object in the database (read-only)."""
    output = run_psql(url, CONTENTS_SQL, what=role)
    return [" ".join(line.split("\x1f")) for line in output.splitlines() if line.strip()]


def describe(contents: list[str]) -> str:
    shown = ", ".join(contents[:SHOWN])
    more = f" and {len(contents) - SHOWN} more" if len(contents) > SHOWN else ""
    return f"{len(contents)} object(s): {shown}{more}"
