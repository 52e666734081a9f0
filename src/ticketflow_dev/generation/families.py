"""What goes wrong, by issue family: the symptom a customer reports, the error text they paste, what they
checked before writing. Templates take the slots of `details.Details` ({rid}, {secs}, {region}, ...).

Symptoms are stated without business impact: the impact is the tone's part (an outage for an angry
customer, nothing for a calm report), so the same symptom can open any tone.
"""

from __future__ import annotations

from dataclasses import dataclass

from ticketflow_dev.generation.scenarios import Family


@dataclass(frozen=True)
class Trouble:
    symptoms: tuple[str, ...]  # a clause: "connections to the {res} {rid} time out after {secs} seconds"
    errors: tuple[str, ...]  # text a customer pastes (none for a bill)
    checks: tuple[str, ...]  # noun phrases: "the security group rules"


TROUBLES: dict[Family, Trouble] = {
    Family.CONNECTIVITY: Trouble(
        (
            "connections to the {res} {rid} time out after {secs} seconds",
            "clients in {region} intermittently cannot reach the {res} {rid}",
            "about {pct}% of requests to the {res} {rid} end in a connection reset",
            "the {res} {rid} stopped accepting connections from our application tier on {date}",
            "new connections to {rid} hang for {secs} seconds before they are dropped",
        ),
        (
            "Connection timed out after {ms}ms",
            "connect ECONNREFUSED {ip}:{port}",
            "Could not connect to the endpoint URL: https://{rid}.{region}.example.internal",
            "getaddrinfo ENOTFOUND {rid}.internal",
            "Read timeout on endpoint URL after {secs} seconds",
        ),
        (
            "the security group rules",
            "the network ACLs and route tables",
            "DNS resolution from inside the VPC",
            "the endpoint policy",
            "the subnet associations",
        ),
    ),
    Family.PERFORMANCE: Trouble(
        (
            "p99 latency on the {res} {rid} went from {ms_before} ms to {ms_after} ms",
            "the {res} {rid} has become slower since {date}, about {pct}% slower at peak hours",
            "operations on {rid} now take {secs} seconds where they took under one",
            "throughput of the {res} {rid} dropped by roughly {pct}% during business hours",
            "the average duration on {rid} rose from {ms_before} ms to {ms_after} ms after {date}",
        ),
        (
            "Task timed out after {secs}.00 seconds",
            "OperationTimeoutException: the request exceeded {secs}s",
            "Query exhausted resources at this scale factor",
            "WARN slow operation: {ms_after}ms on {rid}",
        ),
        (
            "the CloudWatch metrics for the period",
            "the instance and memory sizing",
            "recent code and configuration changes",
            "the service quotas for the account",
        ),
    ),
    Family.CONFIGURATION: Trouble(
        (
            "a change we applied to the {res} {rid} on {date} does not take effect",
            "the {res} {rid} does not behave the way the documentation describes",
            "the settings of {rid} keep reverting to their previous values",
            "the {res} {rid} evaluates differently in {region} than in our other regions",
        ),
        (
            "ValidationException: 1 validation error detected: Value at '{param}' failed to satisfy "
            "constraint",
            "InvalidParameterValue: The parameter {param} is not valid for this {res}",
            "MalformedPolicyDocument: Policy statement {n} has an invalid condition",
            "ConfigurationError: {param} conflicts with an existing setting",
        ),
        (
            "the configuration against the documentation",
            "CloudTrail for the change events",
            "the same settings in a test account",
            "the resource tags and parameters",
        ),
    ),
    Family.ACCESS: Trouble(
        (
            "requests from the role {role} to the {res} {rid} are denied",
            "users of the {res} {rid} are refused since {date}",
            "our CI role lost access to the {res} {rid} overnight",
            "only some principals can use the {res} {rid}; the rest get a 403",
        ),
        (
            "AccessDeniedException: User: arn:aws:sts::{account}:assumed-role/{role}/ci is not authorized "
            "to perform: {action}",
            "403 Forbidden (Request ID: {request_id})",
            "NotAuthorizedException: Incorrect username or password.",
            "An error occurred (AccessDenied) when calling the {api} operation",
        ),
        (
            "the IAM policies attached to the role",
            "the resource policy",
            "the permission boundary and the SCPs",
            "the key policy",
        ),
    ),
    Family.DEPLOYMENT: Trouble(
        (
            "deployments of the {res} {rid} stay in progress for {mins} minutes and then roll back",
            "the last release to the {res} {rid} stopped halfway on {date}",
            "new versions of {rid} never become active",
            "every deployment to {rid} since {date} ends in a rollback",
        ),
        (
            'UPDATE_ROLLBACK_COMPLETE: Resource handler returned message: "Internal Failure"',
            "Deployment failed: too many individual instances failed deployment",
            "CannotPullContainerError: pull image manifest has been retried {n} time(s)",
            "Deployment {deployment_id} failed: Configuration not found",
        ),
        (
            "the deployment logs",
            "the task and service events",
            "the IAM roles used by the deployment",
            "the template diff against the last good version",
        ),
    ),
    Family.DATA_PROTECTION: Trouble(
        (
            "the scheduled backup of the {res} {rid} did not complete on {date}",
            "replication of {rid} to {region} is {hours} hours behind",
            "snapshots of the {res} {rid} stay pending and then disappear",
            "the nightly copy of {rid} finished with only part of the data",
        ),
        (
            "Backup job {job_id} failed: Insufficient privileges to perform snapshot",
            "ReplicationStatus: FAILED",
            "SnapshotCreationPerVolumeRateExceeded",
            "The backup job expired before it could complete",
        ),
        (
            "the backup plan and its IAM role",
            "the replication rules",
            "the vault access policy",
            "the retention settings",
        ),
    ),
    Family.BILLING: Trouble(
        (
            "our invoice for {month} shows ${amount} more than expected under {short}",
            "charges for {short} appear for resources we deleted in {month}",
            "the {month} bill lists usage of {short} in {region}, where we run nothing",
            "our discount is not applied to the {short} line items since {month}",
        ),
        (),  # a bill has line items, not error messages
        (
            "Cost Explorer grouped by usage type",
            "the cost allocation tags",
            "the list of running resources in every region",
            "the savings plan coverage report",
        ),
    ),
    Family.SCALING: Trouble(
        (
            "the {res} {rid} does not scale out when load rises above {n} requests per second",
            "requests to {rid} are throttled at about {n} per second, well under our quota",
            "capacity for the {res} {rid} stays flat while the queue grows",
            "we see throttling on {rid} every day between {hour}:00 and {hour_end}:00 UTC",
        ),
        (
            "ThrottlingException: Rate exceeded",
            "ProvisionedThroughputExceededException",
            "TooManyRequestsException: Rate Exceeded",
            "LimitExceededException: {n} concurrent requests",
        ),
        (
            "the scaling policy and its alarms",
            "the service quotas for the account",
            "the capacity settings",
            "the retry and backoff settings in our client",
        ),
    ),
    Family.PROCESSING: Trouble(
        (
            "runs of the {res} {rid} fail partway through",
            "records handled by {rid} arrive late, some of them twice",
            "about {pct}% of the items sent to {rid} are never processed",
            "results produced by {rid} since {date} are incomplete",
        ),
        (
            "Job run failed: An error occurred while calling o{n}.pyWriteDynamicFrame",
            "ERROR: Load into table failed. Check 'stl_load_errors' system table for details.",
            "States.Timeout after {secs} seconds",
            "Job encountered an internal error and is being retried.",
        ),
        (
            "the job logs in CloudWatch",
            "the input data for malformed records",
            "the dead-letter queue",
            "the IAM role of the job",
        ),
    ),
    Family.STABILITY: Trouble(
        (
            "the {res} {rid} restarted {n} times in the past {hours} hours without any change from us",
            "the {res} {rid} was terminated unexpectedly on {date} at {time}",
            "nodes of the {res} {rid} are replaced several times a day",
            "the {res} {rid} reports as unhealthy for a few minutes every hour",
        ),
        (
            "Instance reachability check failed",
            "Cluster status: YELLOW (unassigned shards: {n})",
            "Terminated with errors: Internal error",
            "Health check failed: {n} consecutive failures",
        ),
        (
            "the event history",
            "the health checks",
            "CPU, memory and storage metrics before each event",
            "the maintenance window",
        ),
    ),
}
