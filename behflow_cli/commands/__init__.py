"""One module per command group; behflow_cli.main loads each only when it is called."""
