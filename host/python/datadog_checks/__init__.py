# Embedded default of the datadog_checks namespace: used only when the real
# datadog_checks_base is not installed (the host appends this directory to
# the END of sys.path, so an installed package always wins).
