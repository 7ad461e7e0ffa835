// hitcounter on AWS: API Gateway (REST) -> one C++ Lambda function -> one DynamoDB table.
//
//   GET https://<api>.execute-api.<region>.amazonaws.com/<stage>/any/path
//     -> ANY /{proxy+} (or ANY / for the root) -> AWS_PROXY -> Lambda (provided.al2023, bootstrap)
//     -> UpdateItem ADD on the item keyed by the route
//
// Safe by default: the read-only endpoints need a token (generated unless one is configured,
// or publicReadEndpoints opens them), the table is protected against deletion, every layer logs
// (the stage's access log, the function's JSON log) and alarms watch each way it can fail.
//
// Configuration keys, their defaults and their checks live in settings.ts; the IAM documents in
// policies.ts; the access log's format and the alarms in monitoring.ts. Stack outputs: url,
// statsUrl, dashboardUrl, tableName, adminToken (a secret) and adminTokenCommand, alarmTopicArn.

import * as crypto from "crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { accessLogFormat, declareAlarms } from "./monitoring";
import { apiGatewayLogsPolicyArn, apiGatewayTrustPolicy, lambdaPolicy, lambdaTrustPolicy } from "./policies";
import { kAdminTokenCommand, readSettings } from "./settings";

const settings = readSettings(new pulumi.Config());
const stack = pulumi.getStack();

/** The attribute the rate limiter stores its window items' expiry in (epoch seconds). */
const kTtlAttribute = "expiresAt";

/**
 * A generated admin token: 40 characters of A-Z a-z 0-9, ~238 bits, far past guessing, and
 * free of characters a shell, a URL or HTTP Basic would need escaped.
 */
const kGeneratedTokenLength = 40;

// --- Storage -----------------------------------------------------------------------------------

const table = new aws.dynamodb.Table("hits", {
    name: settings.tableName, // undefined: Pulumi picks a unique name
    hashKey: "route",
    attributes: [{ name: "route", type: "S" }],
    billingMode: settings.billingMode,
    readCapacity: settings.readCapacity,
    writeCapacity: settings.writeCapacity,
    // On-demand tables may cap their own throughput (a cost and blast-radius bound); past it,
    // DynamoDB throttles and the function answers 503 store_unavailable.
    onDemandThroughput: settings.maxReadRequestUnits === undefined && settings.maxWriteRequestUnits === undefined
        ? undefined
        : { maxReadRequestUnits: settings.maxReadRequestUnits, maxWriteRequestUnits: settings.maxWriteRequestUnits },
    pointInTimeRecovery: { enabled: true },
    // Encrypted with the AWS managed key aws/dynamodb (visible in KMS, usable in CloudTrail);
    // DynamoDB holds the grants, so the function's role needs no KMS permission.
    serverSideEncryption: { enabled: true },
    ttl: { attributeName: kTtlAttribute, enabled: true },
    // The counts are the one thing here that cannot be recreated: DynamoDB refuses to delete the
    // table, and Pulumi refuses to delete or replace it (a `pulumi destroy`, a new tableName),
    // until protectTable is set to false and applied (README.md, "Deleting the table").
    deletionProtectionEnabled: settings.protectTable,
}, { protect: settings.protectTable });

// --- Logs --------------------------------------------------------------------------------------

// Created here (not implicitly by Lambda) so that it has a retention period and the role can be
// limited to it. The function is pointed at it by loggingConfig, which also avoids a cycle
// (the group's name need not be derived from the function's generated name).
const logGroup = new aws.cloudwatch.LogGroup("hitcounter", {
    namePrefix: `/aws/lambda/hitcounter-${stack}-`,
    retentionInDays: settings.logRetentionDays,
});

// The stage's access log: one line per request, whatever became of it (throttled, refused,
// answered by the function).
const accessLogGroup = new aws.cloudwatch.LogGroup("access", {
    namePrefix: `/aws/apigateway/hitcounter-${stack}-access-`,
    retentionInDays: settings.logRetentionDays,
});

// API Gateway writes logs only through a CloudWatch Logs role named in the region's API Gateway
// settings: one role per region and account, shared by every REST API there. "create" (the
// default) makes one and names it; "existing" leaves the region's settings alone. Both outlive
// `pulumi destroy` (retainOnDelete): other APIs in the region may log through them too.
let apiGatewayAccount: aws.apigateway.Account | undefined;
if (settings.apiGatewayLogRole === "create") {
    const apiGatewayLogsRole = new aws.iam.Role("apigateway-logs", {
        description: "API Gateway: write REST API logs to CloudWatch Logs (one per region and account)",
        assumeRolePolicy: JSON.stringify(apiGatewayTrustPolicy()),
    }, { retainOnDelete: true });
    const logsPolicy = new aws.iam.RolePolicyAttachment("apigateway-logs", {
        role: apiGatewayLogsRole.name,
        policyArn: aws.getPartitionOutput().partition.apply(apiGatewayLogsPolicyArn),
    }, { retainOnDelete: true });
    apiGatewayAccount = new aws.apigateway.Account("apigateway-logs", {
        cloudwatchRoleArn: apiGatewayLogsRole.arn,
    }, { dependsOn: [logsPolicy], retainOnDelete: true });
}

// --- Execution role ----------------------------------------------------------------------------

const role = new aws.iam.Role("hitcounter", {
    description: "hitcounter Lambda: its own table and log group, nothing else",
    assumeRolePolicy: JSON.stringify(lambdaTrustPolicy()),
});

const rolePolicy = new aws.iam.RolePolicy("hitcounter", {
    role: role.id,
    policy: pulumi.all([table.arn, logGroup.arn]).apply(([tableArn, logGroupArn]) =>
        JSON.stringify(lambdaPolicy(tableArn, logGroupArn, settings.tracing))),
});

// --- Admin token -------------------------------------------------------------------------------

// The token the read-only endpoints require: the configured one, else one generated once (kept,
// encrypted, in the stack's state), unless publicReadEndpoints opens them.
let adminTokenValue: pulumi.Output<string> | undefined;
if (settings.adminToken !== undefined) {
    adminTokenValue = settings.adminToken;
} else if (!settings.publicReadEndpoints) {
    adminTokenValue = new random.RandomPassword("admin-token", {
        length: kGeneratedTokenLength,
        special: false,
    }).result;
}

// --- Function ----------------------------------------------------------------------------------

// Optional service settings reach the function only when configured; otherwise the function's
// own defaults apply (reserved prefix "/_", no rate limit, no route template, 100000 routes,
// /_stats unprotected).
const environment: Record<string, pulumi.Input<string>> = { TABLE_NAME: table.name };
if (settings.reservedPrefix !== undefined) {
    environment.HITCOUNTER_RESERVED_PREFIX = settings.reservedPrefix;
}
if (settings.rateLimit !== undefined) {
    environment.HITCOUNTER_RATE_LIMIT = settings.rateLimit;
}
if (settings.rateLimitRules !== undefined) {
    environment.HITCOUNTER_RATE_LIMIT_RULES = settings.rateLimitRules;
}
if (settings.routeTemplates !== undefined) {
    environment.HITCOUNTER_ROUTE_TEMPLATES = settings.routeTemplates;
}
if (settings.maxRoutes !== undefined) {
    environment.HITCOUNTER_MAX_ROUTES = String(settings.maxRoutes);
}
if (adminTokenValue !== undefined) {
    // Only the token's SHA-256: the function compares digests anyway, and its configuration
    // (readable with lambda:GetFunctionConfiguration) then never holds the token. A secret all the
    // same, so that a weak configured token cannot be brute-forced from the state.
    environment.HITCOUNTER_ADMIN_TOKEN_SHA256 = pulumi.secret(adminTokenValue.apply(
        (token) => crypto.createHash("sha256").update(token).digest("hex")));
}

const fn = new aws.lambda.Function("hitcounter", {
    description: "hitcounter: counts hits per API route",
    runtime: aws.lambda.Runtime.CustomAL2023, // "provided.al2023"
    handler: "bootstrap",
    architectures: [settings.architecture],
    memorySize: settings.memorySize,
    timeout: settings.timeout,
    code: new pulumi.asset.FileArchive(settings.lambdaZip),
    role: role.arn,
    environment: { variables: environment },
    // At most this many invocations at once; past it Lambda throttles and API Gateway answers
    // 500. Undefined: the account's unreserved pool.
    reservedConcurrentExecutions: settings.reservedConcurrency,
    // JSON: Lambda's own lines (START, REPORT...) become JSON objects; the function's lines are
    // JSON objects already (one per invocation on stdout, problems with "level":"error" on
    // stderr), which Lambda passes through and files under their "level" (INFO when absent).
    loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
    tracingConfig: { mode: settings.tracing ? "Active" : "PassThrough" },
}, {
    // The policy must be in place before the first invocation, or its logs and hits would fail.
    dependsOn: [rolePolicy],
});

// --- API ---------------------------------------------------------------------------------------

const api = new aws.apigateway.RestApi("hitcounter", {
    description: "hitcounter: every path counts",
    // No CloudFront edge hop: clients reach the region directly.
    endpointConfiguration: { types: "REGIONAL" },
});

// API Gateway's greedy {proxy+} does not match "/", so the root needs its own ANY method.
const proxyResource = new aws.apigateway.Resource("proxy", {
    restApi: api.id,
    parentId: api.rootResourceId,
    pathPart: "{proxy+}",
});

function anyToFunction(name: string, resourceId: pulumi.Input<string>) {
    const method = new aws.apigateway.Method(name, {
        restApi: api.id,
        resourceId,
        httpMethod: "ANY",
        authorization: "NONE", // hits are public; /_stats (GET and DELETE) and the rest check the admin token
    });
    const integration = new aws.apigateway.Integration(name, {
        restApi: api.id,
        resourceId,
        httpMethod: method.httpMethod,
        type: "AWS_PROXY",
        integrationHttpMethod: "POST", // Lambda is always invoked with POST
        uri: fn.invokeArn,
    });
    return { method, integration };
}

const root = anyToFunction("root", api.rootResourceId);
const proxy = anyToFunction("proxy", proxyResource.id);

// A deployment is a snapshot of the API: it must be redone whenever a resource, method or
// integration changes. Ids alone are not enough (an integration keeps its id when its target
// changes in place), so the hash covers the settings that make up the routing too. Pulumi
// replaces a resource by creating the new one before deleting the old one, so the stage moves
// to the new deployment before the old one goes away.
const redeployment = pulumi
    .all([
        proxyResource.id, proxyResource.pathPart,
        root.method.id, root.method.httpMethod, root.method.authorization,
        proxy.method.id, proxy.method.httpMethod, proxy.method.authorization,
        root.integration.id, root.integration.type, root.integration.integrationHttpMethod, root.integration.uri,
        proxy.integration.id, proxy.integration.type, proxy.integration.integrationHttpMethod, proxy.integration.uri,
    ])
    .apply((parts) => crypto.createHash("sha256").update(JSON.stringify(parts)).digest("hex"));

const deployment = new aws.apigateway.Deployment("hitcounter", {
    restApi: api.id,
    description: "hitcounter routes",
    triggers: { redeployment },
}, {
    dependsOn: [root.method, root.integration, proxy.method, proxy.integration],
});

const stage = new aws.apigateway.Stage("hitcounter", {
    restApi: api.id,
    deployment: deployment.id,
    stageName: settings.stageName,
    accessLogSettings: { destinationArn: accessLogGroup.arn, format: accessLogFormat() },
    xrayTracingEnabled: settings.tracing,
}, {
    // Access logging is refused until the region's API Gateway settings name a logs role.
    dependsOn: apiGatewayAccount === undefined ? [] : [apiGatewayAccount],
});

// Throttling for every method of the stage ("*/*"), below the account-wide limits. Past it,
// API Gateway answers 429 itself: the function is not invoked and nothing is counted.
new aws.apigateway.MethodSettings("throttling", {
    restApi: api.id,
    stageName: stage.stageName,
    methodPath: "*/*",
    settings: {
        throttlingRateLimit: settings.throttleRateLimit,
        throttlingBurstLimit: settings.throttleBurstLimit,
    },
});

// Only this API's configured stage may invoke the function (any method, any path: the '*'s
// stand for the method and the path inside this ARN; this is a resource policy, not the role).
new aws.lambda.Permission("apigateway-invoke", {
    action: "lambda:InvokeFunction",
    function: fn.name,
    principal: "apigateway.amazonaws.com",
    sourceArn: pulumi.interpolate`${api.executionArn}/${settings.stageName}/*/*`,
});

// --- Alarms ------------------------------------------------------------------------------------

let alarmTopic: aws.sns.Topic | undefined;
if (settings.alarmEmail !== undefined) {
    alarmTopic = new aws.sns.Topic("alarms", { displayName: "hitcounter alarms" });
    // AWS mails a confirmation link first: no alarm arrives until it is followed.
    new aws.sns.TopicSubscription("alarm-email", {
        topic: alarmTopic.arn,
        protocol: "email",
        endpoint: settings.alarmEmail,
    });
}

declareAlarms({
    functionName: fn.name,
    timeoutSeconds: settings.timeout,
    apiName: api.name,
    stageName: stage.stageName,
    tableName: table.name,
    actions: alarmTopic === undefined ? [] : [alarmTopic.arn],
});

// --- Outputs -----------------------------------------------------------------------------------

/** The stage's base URL, ending with "/": every path under it counts. */
export const url = stage.invokeUrl.apply((u) => (u.endsWith("/") ? u : `${u}/`));
/** The read-only statistics endpoint (reserved prefix "/_" unless reservedPrefix is set). */
export const statsUrl = pulumi.interpolate`${url}${(settings.reservedPrefix ?? "/_").slice(1)}stats`;
/** The dashboard page; it asks for the admin token (HTTP Basic, token as password) when one is set. */
export const dashboardUrl =
    pulumi.interpolate`${url}${(settings.reservedPrefix ?? "/_").slice(1)}dashboard`;
export const tableName = table.name;
/** The token the read-only endpoints require, a secret (undefined with publicReadEndpoints). */
export const adminToken = adminTokenValue === undefined ? undefined : pulumi.secret(adminTokenValue);
/** The command that prints adminToken. */
export const adminTokenCommand = adminTokenValue === undefined ? undefined : kAdminTokenCommand;
/** The SNS topic the alarms notify (undefined without alarmEmail). */
export const alarmTopicArn = alarmTopic?.arn;
