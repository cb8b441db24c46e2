"""joblook's command-line client: talks to a running web service over its HTTP API."""
