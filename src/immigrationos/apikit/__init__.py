"""What every domain's API views share: errors as problem JSON, who is calling, pagination."""
