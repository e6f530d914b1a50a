"""GPU training clusters (EKS or AWS Batch)."""
