"""Number of entries (files, directories) in a directory."""
import os

from datadog_checks.base import AgentCheck

__version__ = "1.0.0"


class FileCountCheck(AgentCheck):
    def check(self, instance):
        directory = instance["directory"]
        tags = ["directory:%s" % directory] + list(instance.get("tags", []))
        try:
            entries = list(os.scandir(directory))
        except OSError as e:
            self.service_check("example.file_count.can_read", self.CRITICAL, tags=tags,
                               message=str(e))
            raise
        self.service_check("example.file_count.can_read", self.OK, tags=tags)
        self.gauge("example.file_count.files", sum(1 for e in entries if e.is_file()), tags=tags)
        self.gauge("example.file_count.dirs", sum(1 for e in entries if e.is_dir()), tags=tags)
