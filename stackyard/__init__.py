"""stackyard: declarative infrastructure as code for MLOps stacks, on Pulumi.

Kept import-light on purpose: `stackyard --help` and `stackyard validate` must start fast, so
nothing here pulls in pulumi, pulumi-aws, sagemaker or mlflow.
"""

__version__ = "0.1.0"
