"""The ticketflow CDK app: one construct per concern, composed by one stack."""
