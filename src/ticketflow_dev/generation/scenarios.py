"""The product/issue space of generated tickets: what customers open tickets about, by product.

Each issue belongs to a family (connectivity, performance, ...), which picks the symptoms, error messages
and checks a description is composed from: a ticket about DNS resolution does not read like one about a bill.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Family(StrEnum):
    CONNECTIVITY = "connectivity"
    PERFORMANCE = "performance"
    CONFIGURATION = "configuration"
    ACCESS = "access"
    DEPLOYMENT = "deployment"
    DATA_PROTECTION = "data_protection"
    BILLING = "billing"
    SCALING = "scaling"
    PROCESSING = "processing"
    STABILITY = "stability"


@dataclass(frozen=True)
class Scenario:
    product: str
    issue_type: str
    family: Family
    resource: str  # the kind of thing the customer names: "instance", "bucket", "function"

    @property
    def short(self) -> str:
        """'Amazon Aurora' -> 'Aurora': how customers write the product in running text."""
        for prefix in ("Amazon ", "AWS "):
            if self.product.startswith(prefix):
                return self.product.removeprefix(prefix)
        return self.product


F = Family
_TABLE: tuple[tuple[str, str, Family, str], ...] = (
    ("Amazon EC2", "Instance Connectivity", F.CONNECTIVITY, "instance"),
    ("Amazon EC2", "Instance Status Check Failure", F.STABILITY, "instance"),
    ("Amazon EC2", "Spot Instance Interruptions", F.STABILITY, "instance"),
    ("Amazon EC2", "Savings Plan Billing", F.BILLING, "account"),
    ("Amazon EC2 Auto Scaling", "Scaling Policy Not Triggering", F.SCALING, "Auto Scaling group"),
    ("Elastic Load Balancing", "Unhealthy Target Group", F.CONNECTIVITY, "load balancer"),
    ("Elastic Load Balancing", "TLS Certificate Errors", F.CONFIGURATION, "listener"),
    ("Amazon ECS", "Service Deployment Stuck", F.DEPLOYMENT, "service"),
    ("Amazon ECS", "Task Placement Failures", F.SCALING, "cluster"),
    ("Amazon EKS", "Cluster Upgrade Failure", F.DEPLOYMENT, "cluster"),
    ("Amazon EKS", "Pod Networking", F.CONNECTIVITY, "cluster"),
    ("AWS Fargate", "Task Memory Limits", F.PERFORMANCE, "task"),
    ("Amazon ECR", "Image Pull Errors", F.ACCESS, "repository"),
    ("AWS Lambda", "Function Timeouts", F.PERFORMANCE, "function"),
    ("AWS Lambda", "Cold Start Duration", F.PERFORMANCE, "function"),
    ("AWS Lambda", "Concurrency Throttling", F.SCALING, "function"),
    ("AWS Lambda", "Layer Version Conflicts", F.DEPLOYMENT, "function"),
    ("AWS Elastic Beanstalk", "Environment Health Degraded", F.STABILITY, "environment"),
    ("AWS App Runner", "Service Build Failure", F.DEPLOYMENT, "service"),
    ("Amazon Lightsail", "Static IP Reachability", F.CONNECTIVITY, "instance"),
    ("AWS Batch", "Jobs Stuck in RUNNABLE", F.SCALING, "job queue"),
    ("Amazon S3", "Access Denied on Objects", F.ACCESS, "bucket"),
    ("Amazon S3", "Replication Lag", F.DATA_PROTECTION, "bucket"),
    ("Amazon S3", "Lifecycle Rules Not Applied", F.CONFIGURATION, "bucket"),
    ("Amazon S3 Glacier", "Retrieval Delays", F.PERFORMANCE, "vault"),
    ("Amazon EBS", "Volume IOPS Degradation", F.PERFORMANCE, "volume"),
    ("Amazon EBS", "Snapshot Copy Failure", F.DATA_PROTECTION, "volume"),
    ("Amazon EFS", "Mount Timeouts", F.CONNECTIVITY, "file system"),
    ("Amazon FSx", "Throughput Below Provisioned", F.PERFORMANCE, "file system"),
    ("AWS Backup", "Backup Plan Job Failures", F.DATA_PROTECTION, "backup vault"),
    ("AWS Storage Gateway", "Cache Upload Backlog", F.PERFORMANCE, "gateway"),
    ("AWS DataSync", "Task Verification Errors", F.PROCESSING, "task"),
    ("Amazon RDS", "Connection Limit Reached", F.CONNECTIVITY, "DB instance"),
    ("Amazon RDS", "Automated Backup Failure", F.DATA_PROTECTION, "DB instance"),
    ("Amazon RDS", "Read Replica Lag", F.PERFORMANCE, "DB instance"),
    ("Amazon Aurora", "Failover Did Not Complete", F.STABILITY, "cluster"),
    ("Amazon Aurora", "Serverless Scaling Delays", F.SCALING, "cluster"),
    ("Amazon DynamoDB", "Throttled Writes", F.SCALING, "table"),
    ("Amazon DynamoDB", "Global Table Replication", F.DATA_PROTECTION, "table"),
    ("Amazon DynamoDB", "Stream Processing Delays", F.PROCESSING, "table"),
    ("Amazon ElastiCache", "Evictions and Memory Pressure", F.PERFORMANCE, "cluster"),
    ("Amazon MemoryDB", "Node Replacement Events", F.STABILITY, "cluster"),
    ("Amazon DocumentDB", "Driver Compatibility", F.CONNECTIVITY, "cluster"),
    ("Amazon Neptune", "Query Timeouts", F.PERFORMANCE, "cluster"),
    ("Amazon Keyspaces", "Write Capacity Errors", F.SCALING, "keyspace"),
    ("Amazon Redshift", "Slow Query Performance", F.PERFORMANCE, "cluster"),
    ("Amazon Redshift", "COPY Command Failures", F.PROCESSING, "cluster"),
    ("Amazon Athena", "Query Timeouts", F.PERFORMANCE, "workgroup"),
    ("Amazon Athena", "Partition Projection Results", F.PROCESSING, "workgroup"),
    ("AWS Glue", "ETL Job Failures", F.PROCESSING, "job"),
    ("AWS Glue", "Crawler Schema Detection", F.CONFIGURATION, "crawler"),
    ("Amazon EMR", "Unexpected Cluster Termination", F.STABILITY, "cluster"),
    ("Amazon EMR", "Step Failures on Spark", F.PROCESSING, "cluster"),
    ("Amazon Kinesis Data Streams", "Write Throughput Exceeded", F.SCALING, "stream"),
    ("Amazon Data Firehose", "Delivery to S3 Failing", F.PROCESSING, "delivery stream"),
    ("Amazon MSK", "Broker Disk Usage", F.STABILITY, "cluster"),
    ("Amazon OpenSearch Service", "Cluster Status Yellow", F.STABILITY, "domain"),
    ("Amazon OpenSearch Service", "Indexing Latency", F.PERFORMANCE, "domain"),
    ("Amazon QuickSight", "Dashboard Refresh Failures", F.PROCESSING, "dashboard"),
    ("AWS Lake Formation", "Table Permission Grants", F.ACCESS, "data lake"),
    ("Amazon SageMaker", "Endpoint Deployment Failure", F.DEPLOYMENT, "endpoint"),
    ("Amazon SageMaker", "Training Job Capacity", F.SCALING, "training job"),
    ("Amazon Bedrock", "Model Access Requests", F.ACCESS, "model"),
    ("Amazon Bedrock", "Invocation Throttling", F.SCALING, "model"),
    ("Amazon Comprehend", "Custom Classifier Accuracy", F.PROCESSING, "classifier"),
    ("Amazon Rekognition", "Face Detection Results", F.PROCESSING, "collection"),
    ("Amazon Textract", "Form Extraction Accuracy", F.PROCESSING, "document"),
    ("Amazon Transcribe", "Speaker Labels Missing", F.PROCESSING, "transcription job"),
    ("Amazon Polly", "SSML Rendering", F.CONFIGURATION, "lexicon"),
    ("Amazon Lex", "Intent Recognition", F.CONFIGURATION, "bot"),
    ("Amazon VPC", "NAT Gateway Connectivity", F.CONNECTIVITY, "VPC"),
    ("Amazon VPC", "Peering Route Tables", F.CONFIGURATION, "VPC"),
    ("AWS Transit Gateway", "Attachment Routing", F.CONNECTIVITY, "transit gateway"),
    ("AWS Direct Connect", "BGP Session Flapping", F.STABILITY, "connection"),
    ("AWS Site-to-Site VPN", "Tunnel Down Events", F.CONNECTIVITY, "VPN connection"),
    ("Amazon Route 53", "DNS Resolution Failures", F.CONNECTIVITY, "hosted zone"),
    ("Amazon Route 53", "Health Check False Alarms", F.CONFIGURATION, "health check"),
    ("Amazon CloudFront", "Cache Invalidation Delays", F.PERFORMANCE, "distribution"),
    ("Amazon CloudFront", "Origin 502 Errors", F.CONNECTIVITY, "distribution"),
    ("Amazon API Gateway", "Authorizer Errors", F.ACCESS, "API"),
    ("Amazon API Gateway", "Integration Latency", F.PERFORMANCE, "API"),
    ("AWS Global Accelerator", "Endpoint Weighting", F.CONFIGURATION, "accelerator"),
    ("AWS IAM", "Permission Boundary Denials", F.ACCESS, "role"),
    ("AWS IAM Identity Center", "SSO Sign-in Loop", F.ACCESS, "permission set"),
    ("Amazon Cognito", "User Pool Sign-in Errors", F.ACCESS, "user pool"),
    ("AWS KMS", "Key Policy Access", F.ACCESS, "key"),
    ("AWS Secrets Manager", "Rotation Function Failure", F.CONFIGURATION, "secret"),
    ("AWS Certificate Manager", "Certificate Validation Pending", F.CONFIGURATION, "certificate"),
    ("AWS WAF", "False Positive Blocks", F.CONFIGURATION, "web ACL"),
    ("AWS Shield", "DDoS Alert Configuration", F.CONFIGURATION, "protection"),
    ("Amazon GuardDuty", "Finding Volume", F.CONFIGURATION, "detector"),
    ("AWS Security Hub", "Control Findings", F.CONFIGURATION, "standard"),
    ("Amazon Inspector", "Scan Coverage Gaps", F.CONFIGURATION, "scan"),
    ("Amazon Macie", "Discovery Job Errors", F.PROCESSING, "discovery job"),
    ("AWS Organizations", "SCP Blocking Actions", F.ACCESS, "organization"),
    ("AWS Control Tower", "Account Factory Enrollment", F.DEPLOYMENT, "landing zone"),
    ("AWS CloudFormation", "Stack Update Rollback", F.DEPLOYMENT, "stack"),
    ("AWS CDK", "Bootstrap Version Mismatch", F.DEPLOYMENT, "stack"),
    ("AWS CodeBuild", "Build Environment Performance", F.PERFORMANCE, "project"),
    ("AWS CodePipeline", "Stage Transition Failures", F.DEPLOYMENT, "pipeline"),
    ("AWS CodeDeploy", "Deployment Group Configuration", F.DEPLOYMENT, "deployment group"),
    ("AWS Systems Manager", "Session Manager Connection", F.CONNECTIVITY, "managed node"),
    ("AWS Systems Manager", "Patch Baseline Compliance", F.CONFIGURATION, "patch baseline"),
    ("AWS Config", "Rule Evaluation Missing", F.CONFIGURATION, "rule"),
    ("AWS CloudTrail", "Trail Delivery Gaps", F.PROCESSING, "trail"),
    ("Amazon CloudWatch", "Alarm State Not Changing", F.CONFIGURATION, "alarm"),
    ("Amazon CloudWatch", "Logs Insights Query Limits", F.PERFORMANCE, "log group"),
    ("AWS X-Ray", "Missing Trace Segments", F.PROCESSING, "service map"),
    ("Amazon SQS", "Message Visibility Timeout", F.PROCESSING, "queue"),
    ("Amazon SQS", "Dead-Letter Queue Growth", F.PROCESSING, "queue"),
    ("Amazon SNS", "Delivery Failures to HTTPS", F.CONNECTIVITY, "topic"),
    ("Amazon EventBridge", "Event Pattern Matching", F.CONFIGURATION, "rule"),
    ("Amazon EventBridge", "Scheduler Missed Invocations", F.PROCESSING, "schedule"),
    ("AWS Step Functions", "Execution History Limits", F.PROCESSING, "state machine"),
    ("AWS Step Functions", "Task Token Timeouts", F.PERFORMANCE, "state machine"),
    ("Amazon MQ", "Broker Failover", F.STABILITY, "broker"),
    ("AWS AppSync", "Resolver Mapping Errors", F.CONFIGURATION, "API"),
    ("AWS Amplify", "Hosting Build Failures", F.DEPLOYMENT, "app"),
    ("Amazon SES", "Sending Quota and Bounces", F.CONFIGURATION, "identity"),
    ("Amazon Connect", "Contact Flow Routing", F.CONFIGURATION, "instance"),
    ("Amazon WorkSpaces", "Session Disconnects", F.CONNECTIVITY, "WorkSpace"),
    ("AWS IoT Core", "Device Shadow Sync", F.PROCESSING, "thing"),
    ("AWS Billing", "Unexpected Charges", F.BILLING, "account"),
    ("AWS Cost Explorer", "Cost Allocation Tags Missing", F.BILLING, "account"),
    ("AWS Marketplace", "Subscription Invoice", F.BILLING, "subscription"),
    ("AWS Support", "Case Escalation", F.CONFIGURATION, "support plan"),
)

SCENARIOS: tuple[Scenario, ...] = tuple(Scenario(*row) for row in _TABLE)
