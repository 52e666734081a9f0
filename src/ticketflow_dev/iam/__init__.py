"""IAM, checked locally (docs/iam.md): the deployed template's policies written for the in-flight check
(`ticketflow_parity.iam`), the state machine's and AWS's own calls checked after the fact, the mutation
check."""
