"""The example projects, installed so that `stackyard init --example NAME` can copy them."""
