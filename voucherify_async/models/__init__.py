"""attrs models of what the API sends and takes, and the one cattrs converter that (un)structures them."""
