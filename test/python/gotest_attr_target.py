"""A plain module that set_module_attr_string writes into."""
PROCFS_PATH = "/proc"
