"""The Spark engine: one local or cluster SparkSession for the batch stages that scan the lake."""
