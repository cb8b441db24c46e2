"""joblook: run long shell jobs from a browser or an API, watch them live, keep their logs."""
