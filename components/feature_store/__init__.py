"""Feature groups of SageMaker Feature Store."""
