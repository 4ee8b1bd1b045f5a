"""Random numbers: generators and the sampling ops."""
