// The IAM documents of the function's execution role, as plain data so that tests can read them.

/** The DynamoDB calls the function makes, and nothing else (see src/store/dynamodb_store.cc). */
export const kTableActions = [
    "dynamodb:UpdateItem", // one atomic ADD per hit (and the rate limiter's window items)
    "dynamodb:GetItem", // /_stats?route=
    "dynamodb:Scan", // /_stats pages
    "dynamodb:DescribeTable", // /_health
    "dynamodb:DeleteItem", // DELETE /_stats?route=|prefix= (with the admin token)
] as const;

/** What the Lambda service needs to deliver the function's stdout/stderr to its log group. */
export const kLogActions = ["logs:CreateLogStream", "logs:PutLogEvents"] as const;

/** What Lambda needs to send the function's trace segments to X-Ray (only with `tracing`). */
export const kTraceActions = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"] as const;

/**
 * The AWS managed policy API Gateway's CloudWatch Logs role needs, in `partition` ("aws",
 * "aws-cn", "aws-us-gov"). That role is one per region and account, shared by every REST API
 * there: it must be able to write any API's logs, which is what this policy grants.
 */
export function apiGatewayLogsPolicyArn(partition: string): string {
    return `arn:${partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs`;
}

export interface PolicyStatement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Principal?: { Service: string };
    Action: string | string[];
    Resource?: string | string[];
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: PolicyStatement[];
}

/** Only `service` (e.g. "lambda.amazonaws.com") may assume the role. */
function serviceTrustPolicy(service: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{
            Effect: "Allow",
            Principal: { Service: service },
            Action: "sts:AssumeRole",
        }],
    };
}

/** Only the Lambda service may assume the function's role. */
export function lambdaTrustPolicy(): PolicyDocument {
    return serviceTrustPolicy("lambda.amazonaws.com");
}

/** Only API Gateway may assume its CloudWatch Logs role. */
export function apiGatewayTrustPolicy(): PolicyDocument {
    return serviceTrustPolicy("apigateway.amazonaws.com");
}

/**
 * The log streams of one log group. `logGroupArn` is the provider's `LogGroup.arn`, which has
 * no trailing ":*" (@pulumi/aws trims the suffix the CloudWatch API adds).
 *
 * Why this one '*': PutLogEvents is authorised against the log *stream* ARN
 * (`...:log-group:NAME:log-stream:STREAM`), and Lambda names each stream at run time
 * (`2026/11/26/[$LATEST]<random hex>`), so no fixed ARN can name them. The wildcard stands only
 * for the stream name inside this function's own log group: it cannot reach another log group,
 * another service or another action. It is the narrowest resource that lets the function log;
 * with no wildcard at all, Lambda would silently drop every log line.
 */
export function logStreamsArn(logGroupArn: string): string {
    return `${logGroupArn}:log-stream:*`;
}

/**
 * The role's only permissions: the four table actions on this table, and writing to this
 * function's own log group; with `tracing`, sending trace segments to X-Ray. No wildcard in any
 * action. No wildcard in any resource except the stream-name segment explained at
 * logStreamsArn(), and the X-Ray statement's "*": PutTraceSegments and PutTelemetryRecords have
 * no resource to name (X-Ray supports no resource-level permissions for them; AWS's own
 * AWSXRayDaemonWriteAccess grants them on "*" too).
 */
export function lambdaPolicy(tableArn: string, logGroupArn: string, tracing = false): PolicyDocument {
    const traces: PolicyStatement[] = tracing
        ? [{ Sid: "SendTraces", Effect: "Allow", Action: [...kTraceActions], Resource: "*" }]
        : [];
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "CountHitsInThisTable",
                Effect: "Allow",
                Action: [...kTableActions],
                Resource: tableArn,
            },
            {
                // The group ARN covers CreateLogStream (authorised on the log group); the streams
                // ARN covers PutLogEvents (authorised on the stream).
                Sid: "WriteOwnLogs",
                Effect: "Allow",
                Action: [...kLogActions],
                Resource: [logGroupArn, logStreamsArn(logGroupArn)],
            },
            ...traces,
        ],
    };
}
