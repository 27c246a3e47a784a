"""Calls the three obfuscation functions through the host and reports each outcome as JSON
metadata: ["ok", result] or [exception type, message]. Each call is made three times (with
the host's result cache on, a miss then hits): any difference is reported as "mismatch"."""
import json

import datadog_agent
from datadog_checks.base import AgentCheck

PG_OPTIONS = json.dumps(
    {
        "dbms": "postgresql",
        "obfuscation_mode": "obfuscate_and_normalize",
        "replace_digits": False,
        "dollar_quoted_func": True,
        "keep_sql_alias": True,
        "return_json_metadata": True,
        "table_names": True,
        "collect_commands": True,
        "collect_comments": True,
        "keep_null": False,
        "keep_boolean": False,
        "keep_positional_parameter": False,
        "keep_trailing_semicolon": False,
        "keep_identifier_quotation": False,
        "keep_json_path": False,
        "remove_space_between_parentheses": False,
    }
)
LEGACY_OPTIONS = json.dumps({"table_names": True, "collect_commands": True, "return_json_metadata": True})
PLAN = json.dumps({"Plan": {"Node Type": "Seq Scan", "Total Cost": 35.5, "Filter": "(email = 'a@b.c'::text)"}})
MONGO = json.dumps({"find": "customers", "filter": {"age": {"$gt": 30}}, "$db": "shop"})

CALLS = {
    "legacy_bare": lambda: datadog_agent.obfuscate_sql("SELECT * FROM t WHERE id = 1"),
    "legacy_json": lambda: datadog_agent.obfuscate_sql(
        "SELECT * FROM t1 JOIN t2 ON t1.id = t2.id WHERE t1.x = 5", LEGACY_OPTIONS
    ),
    "sqllexer": lambda: datadog_agent.obfuscate_sql(
        "SELECT * FROM users WHERE id = 1 AND name = 'x' -- note", PG_OPTIONS
    ),
    "plan": lambda: datadog_agent.obfuscate_sql_exec_plan(PLAN),
    "plan_normalized": lambda: datadog_agent.obfuscate_sql_exec_plan(PLAN, normalize=True),
    "mongo": lambda: datadog_agent.obfuscate_mongodb_string(MONGO),
    "error_sql": lambda: datadog_agent.obfuscate_sql("SELECT 'open"),
    "error_mode": lambda: datadog_agent.obfuscate_sql("SELECT 1", '{"obfuscation_mode": "legacy"}'),
    "error_plan": lambda: datadog_agent.obfuscate_sql_exec_plan('{"Plan": '),
    "error_mongo": lambda: datadog_agent.obfuscate_mongodb_string(""),
}


class ObfuscationCheck(AgentCheck):
    def check(self, instance):
        for name, call in CALLS.items():
            outcomes = []
            for _ in range(3):
                try:
                    outcomes.append(["ok", call()])
                except Exception as e:
                    outcomes.append([type(e).__name__, str(e)])
            if any(o != outcomes[0] for o in outcomes):
                outcomes[0] = ["mismatch", json.dumps(outcomes)]
            self.set_metadata(name, json.dumps(outcomes[0]))
