"""One module per CLI command. Each module keeps heavy imports inside its functions so that
registering every command in `stackyard.cli` costs nothing at start-up."""
