"""The data contract: source schemas, the vectorised reader, validation, quarantine, the lake."""
