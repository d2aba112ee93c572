"""One detector per violation of the data contract, each citing the rule it encodes."""
