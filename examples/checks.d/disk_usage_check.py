"""Disk usage of the configured mount points, from os.statvfs."""
import os

from datadog_checks.base import AgentCheck

__version__ = "1.0.0"


class DiskUsageCheck(AgentCheck):
    def check(self, instance):
        for path in instance.get("paths", ["/"]):
            st = os.statvfs(path)
            total = st.f_blocks * st.f_frsize
            free = st.f_bavail * st.f_frsize
            used = total - st.f_bfree * st.f_frsize
            tags = ["path:%s" % path] + list(instance.get("tags", []))
            self.gauge("example.disk.total", total, tags=tags)
            self.gauge("example.disk.used", used, tags=tags)
            self.gauge("example.disk.free", free, tags=tags)
            if total:
                self.gauge("example.disk.in_use", float(used) / total, tags=tags)
