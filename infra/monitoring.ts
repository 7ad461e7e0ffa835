// Seeing hitcounter run: the stage's access log format, and the CloudWatch alarms that say it is
// in trouble, one per way it can fail. Each alarm's meaning, and what to do about it, is in
// README.md ("Alarms"). They exist whatever the configuration (an alarm costs $0.10 a month, one
// over three metrics $0.30); with alarmEmail set they notify an SNS topic with an e-mail
// subscription, when they fire and when they clear.

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * The stage's access log: one JSON object per request. Every value is quoted, because API
 * Gateway writes "-" for a value it does not have; $context.error.messageString comes quoted
 * already. $context.path has no query string, and nothing here carries a header or a body.
 */
export const kAccessLogFormat = {
    requestId: "$context.requestId",
    time: "$context.requestTimeEpoch",
    ip: "$context.identity.sourceIp",
    method: "$context.httpMethod",
    path: "$context.path",
    protocol: "$context.protocol",
    status: "$context.status",
    responseLength: "$context.responseLength",
    latencyMs: "$context.responseLatency",
    integrationStatus: "$context.integration.status",
    integrationLatencyMs: "$context.integration.latency",
    integrationError: "$context.integration.error",
    error: "$context.error.messageString",
};

/** kAccessLogFormat as the single line API Gateway takes. */
export function accessLogFormat(): string {
    // messageString is a quoted JSON string already: unquote its placeholder.
    return JSON.stringify(kAccessLogFormat)
        .replace('"$context.error.messageString"', "$context.error.messageString");
}

/** Every alarm looks at 5-minute periods: CloudWatch's standard resolution, and quick enough. */
export const kAlarmPeriodSeconds = 300;

/**
 * "Duration near the timeout": the slowest invocation of a period took more than this share of
 * the function's timeout. Warm hits take milliseconds; one this slow was waiting on DynamoDB,
 * and a little slower it would have run out of time (the function then answers 503 just before
 * its deadline; an invocation Lambda ends at the timeout is a 502 from API Gateway).
 */
export const kDurationAlarmShare = 0.8;

/**
 * "API 5XX": more than this share of a period's requests answered 5xx. A share rather than a
 * count: a busy API sees a few 503s when DynamoDB hiccups, a quiet one should see none.
 */
export const kApi5xxAlarmRate = 0.01;

/** The DynamoDB calls the function makes that CloudWatch reports per operation. */
export const kDynamoDbOperations = ["UpdateItem", "GetItem", "Scan"] as const;

export interface AlarmTargets {
    functionName: pulumi.Input<string>;
    timeoutSeconds: number;
    apiName: pulumi.Input<string>;
    stageName: pulumi.Input<string>;
    tableName: pulumi.Input<string>;
    /** Notified when an alarm fires and when it clears; empty: no action. */
    actions: pulumi.Input<string>[];
}

function alarm(name: string, description: string, targets: AlarmTargets,
    args: Partial<aws.cloudwatch.MetricAlarmArgs>): aws.cloudwatch.MetricAlarm {
    return new aws.cloudwatch.MetricAlarm(name, {
        alarmDescription: `hitcounter: ${description} (see infra/README.md, "Alarms")`,
        evaluationPeriods: 1,
        // No data is no trouble: a function nobody calls reports no errors.
        treatMissingData: "notBreaching",
        alarmActions: targets.actions,
        okActions: targets.actions,
        ...args,
    });
}

/** The sum, per period, of `metric` over the function's DynamoDB operations on the table. */
function dynamoDbSum(metric: string, tableName: pulumi.Input<string>): aws.types.input.cloudwatch.MetricAlarmMetricQuery[] {
    const parts = kDynamoDbOperations.map((operation, i) => ({
        id: `m${i}`,
        returnData: false,
        metric: {
            namespace: "AWS/DynamoDB",
            metricName: metric,
            dimensions: { TableName: tableName, Operation: operation },
            period: kAlarmPeriodSeconds,
            stat: "Sum",
        },
    }));
    const sum = `SUM([${parts.map((p) => `FILL(${p.id}, 0)`).join(", ")}])`;
    return [...parts, { id: "total", expression: sum, label: `${metric}, all operations`, returnData: true }];
}

/** Declares the six alarms; returns them by name. */
export function declareAlarms(targets: AlarmTargets): Record<string, aws.cloudwatch.MetricAlarm> {
    const lambda = (metricName: string, statistic: string) => ({
        namespace: "AWS/Lambda",
        metricName,
        dimensions: { FunctionName: targets.functionName },
        statistic,
        period: kAlarmPeriodSeconds,
    });
    return {
        "lambda-errors": alarm("lambda-errors",
            "the function failed an invocation (crash, timeout, runtime error)", targets, {
                ...lambda("Errors", "Sum"),
                comparisonOperator: "GreaterThanThreshold",
                threshold: 0,
            }),
        "lambda-throttles": alarm("lambda-throttles",
            "Lambda refused invocations: reserved concurrency or the account's limit is reached", targets, {
                ...lambda("Throttles", "Sum"),
                comparisonOperator: "GreaterThanThreshold",
                threshold: 0,
            }),
        "lambda-duration": alarm("lambda-duration",
            `an invocation took more than ${kDurationAlarmShare * 100}% of the function's timeout`, targets, {
                ...lambda("Duration", "Maximum"),
                comparisonOperator: "GreaterThanThreshold",
                threshold: kDurationAlarmShare * targets.timeoutSeconds * 1000,
            }),
        "api-5xx": alarm("api-5xx",
            `more than ${kApi5xxAlarmRate * 100}% of the API's answers were 5xx`, targets, {
                namespace: "AWS/ApiGateway",
                metricName: "5XXError",
                dimensions: { ApiName: targets.apiName, Stage: targets.stageName },
                // 5XXError is 1 for a 5xx answer and 0 otherwise: its average is the share.
                statistic: "Average",
                period: kAlarmPeriodSeconds,
                comparisonOperator: "GreaterThanThreshold",
                threshold: kApi5xxAlarmRate,
            }),
        "dynamodb-throttled": alarm("dynamodb-throttled",
            "DynamoDB throttled the function's requests (on-demand maximum, or provisioned capacity)", targets, {
                metricQueries: dynamoDbSum("ThrottledRequests", targets.tableName),
                comparisonOperator: "GreaterThanThreshold",
                threshold: 0,
            }),
        "dynamodb-system-errors": alarm("dynamodb-system-errors",
            "DynamoDB answered the function's requests with internal errors (HTTP 500)", targets, {
                metricQueries: dynamoDbSum("SystemErrors", targets.tableName),
                comparisonOperator: "GreaterThanThreshold",
                threshold: 0,
            }),
    };
}
