"""The wire protocols: request checks and response shapes of Comprehend, Converse and InvokeModel, the
services' errors, and the Bedrock model ids they accept."""
