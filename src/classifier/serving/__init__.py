"""The model as a service: request types from the contract, the BentoML service and bento."""
