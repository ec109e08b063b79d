"""Behflow as an MCP server: the agent's tools and a few resources for any MCP client.

tools.py holds the one definition of each tool (arguments, description, hints) and runs it
through the agent's ToolRunner; confirmations.py signs the pending actions that deletes and bulk
changes wait on; resources.py reads today, overdue and one task; http.py serves all of it as
streamable HTTP at /mcp behind the API's bearer tokens. `behflow mcp` (behflow_cli) bridges a
local stdio client to that endpoint, so both transports expose the very same tools.
"""
