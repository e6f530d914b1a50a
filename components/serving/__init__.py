"""Model serving endpoints (SageMaker real-time or KServe)."""
