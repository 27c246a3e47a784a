"""Forks at import, as some modules do (test/hostcli/isolation_faults_test.go): the copy
sleeps, holding whatever descriptors the worker did not protect; the check then exits."""
import os
import time

from datadog_checks.base import AgentCheck

CHILD = os.fork()
if CHILD == 0:
    time.sleep(20)
    os._exit(0)


class ForkerCheck(AgentCheck):
    def check(self, instance):
        with open(instance["child_file"], "w") as f:
            f.write(str(CHILD))
        os._exit(3)
