// hitcounter on AWS: API Gateway (REST) -> one C++ Lambda function -> one DynamoDB table.
//
//   GET https://<api>.execute-api.<region>.amazonaws.com/<stage>/any/path
//     -> ANY /{proxy+} (or ANY / for the root) -> AWS_PROXY -> Lambda (provided.al2023, bootstrap)
//     -> UpdateItem ADD on the item keyed by the route
//
// Configuration keys, their defaults and their checks live in settings.ts; the IAM documents in
// policies.ts. Stack outputs: url, statsUrl, dashboardUrl, tableName.

import * as crypto from "crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { lambdaPolicy, lambdaTrustPolicy } from "./policies";
import { readSettings } from "./settings";

const settings = readSettings(new pulumi.Config());
const stack = pulumi.getStack();

/** The attribute the rate limiter stores its window items' expiry in (epoch seconds). */
const kTtlAttribute = "expiresAt";

// --- Storage -----------------------------------------------------------------------------------

const table = new aws.dynamodb.Table("hits", {
    name: settings.tableName, // undefined: Pulumi picks a unique name
    hashKey: "route",
    attributes: [{ name: "route", type: "S" }],
    billingMode: settings.billingMode,
    readCapacity: settings.readCapacity,
    writeCapacity: settings.writeCapacity,
    pointInTimeRecovery: { enabled: true },
    // Encrypted with the AWS managed key aws/dynamodb (visible in KMS, usable in CloudTrail);
    // DynamoDB holds the grants, so the function's role needs no KMS permission.
    serverSideEncryption: { enabled: true },
    ttl: { attributeName: kTtlAttribute, enabled: true },
});

// --- Logs --------------------------------------------------------------------------------------

// Created here (not implicitly by Lambda) so that it has a retention period and the role can be
// limited to it. The function is pointed at it by loggingConfig, which also avoids a cycle
// (the group's name need not be derived from the function's generated name).
const logGroup = new aws.cloudwatch.LogGroup("hitcounter", {
    namePrefix: `/aws/lambda/hitcounter-${stack}-`,
    retentionInDays: settings.logRetentionDays,
});

// --- Execution role ----------------------------------------------------------------------------

const role = new aws.iam.Role("hitcounter", {
    description: "hitcounter Lambda: its own table and log group, nothing else",
    assumeRolePolicy: JSON.stringify(lambdaTrustPolicy()),
});

const rolePolicy = new aws.iam.RolePolicy("hitcounter", {
    role: role.id,
    policy: pulumi.all([table.arn, logGroup.arn]).apply(([tableArn, logGroupArn]) =>
        JSON.stringify(lambdaPolicy(tableArn, logGroupArn))),
});

// --- Function ----------------------------------------------------------------------------------

// Optional service settings reach the function only when configured; otherwise the function's
// own defaults apply (reserved prefix "/_", no rate limit, 100000 routes, /_stats unprotected).
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
if (settings.maxRoutes !== undefined) {
    environment.HITCOUNTER_MAX_ROUTES = String(settings.maxRoutes);
}
if (settings.adminToken !== undefined) {
    // A secret: encrypted in the state file and masked in the CLI's output.
    environment.HITCOUNTER_ADMIN_TOKEN = pulumi.secret(settings.adminToken);
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
    loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
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
        authorization: "NONE", // the service is public; /_stats is guarded by the admin token
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
        root.integration.id, root.integration.type, root.integration.uri,
        proxy.integration.id, proxy.integration.type, proxy.integration.uri,
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
});

// Throttling for every method of the stage ("*/*"), below the account-wide limits.
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

// --- Outputs -----------------------------------------------------------------------------------

/** The stage's base URL, ending with "/": every path under it counts. */
export const url = stage.invokeUrl.apply((u) => (u.endsWith("/") ? u : `${u}/`));
/** The read-only statistics endpoint (reserved prefix "/_" unless reservedPrefix is set). */
export const statsUrl = pulumi.interpolate`${url}${(settings.reservedPrefix ?? "/_").slice(1)}stats`;
/** The dashboard page; it asks for the admin token (HTTP Basic, token as password) when one is set. */
export const dashboardUrl =
    pulumi.interpolate`${url}${(settings.reservedPrefix ?? "/_").slice(1)}dashboard`;
export const tableName = table.name;
