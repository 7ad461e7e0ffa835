// The program with nothing configured but the zip: what a plain `pulumi up` deploys.

import { before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { kAccount, kRegion, makeFakeZip, reveal, Run, runProgram } from "./harness";

const kTable = "aws:dynamodb/table:Table";
const kLogGroup = "aws:cloudwatch/logGroup:LogGroup";
const kRole = "aws:iam/role:Role";
const kRolePolicy = "aws:iam/rolePolicy:RolePolicy";
const kFunction = "aws:lambda/function:Function";
const kPermission = "aws:lambda/permission:Permission";
const kRestApi = "aws:apigateway/restApi:RestApi";
const kResource = "aws:apigateway/resource:Resource";
const kMethod = "aws:apigateway/method:Method";
const kIntegration = "aws:apigateway/integration:Integration";
const kDeployment = "aws:apigateway/deployment:Deployment";
const kStage = "aws:apigateway/stage:Stage";
const kMethodSettings = "aws:apigateway/methodSettings:MethodSettings";

interface Statement {
    Effect: string;
    Action: string | string[];
    Resource?: string | string[];
    Principal?: unknown;
    Condition?: unknown;
    NotAction?: unknown;
    NotResource?: unknown;
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

describe("the default deployment", () => {
    let run: Run;
    let zip: string;
    before(async () => {
        zip = makeFakeZip();
        run = await runProgram({ lambdaZip: zip });
    });

    const fnState = () => run.one(kFunction).state;
    const api = () => run.one(kRestApi);
    const policy = (): { Statement: Statement[] } => JSON.parse(run.one(kRolePolicy).inputs.policy);

    it("wires ANY on the root resource to the function through an AWS_PROXY POST integration", () => {
        const method = run.one(kMethod, "root");
        assert.equal(method.inputs.resourceId, api().state.rootResourceId);
        assert.equal(method.inputs.restApi, api().id);
        assert.equal(method.inputs.httpMethod, "ANY");
        assert.equal(method.inputs.authorization, "NONE");
        const integration = run.one(kIntegration, "root");
        assert.equal(integration.inputs.resourceId, api().state.rootResourceId);
        assert.equal(integration.inputs.httpMethod, "ANY");
        assert.equal(integration.inputs.type, "AWS_PROXY");
        assert.equal(integration.inputs.integrationHttpMethod, "POST");
        assert.equal(integration.inputs.uri, fnState().invokeArn);
    });

    it("wires ANY on a greedy {proxy+} resource under the root to the same function", () => {
        const resource = run.one(kResource, "proxy");
        assert.equal(resource.inputs.pathPart, "{proxy+}");
        assert.equal(resource.inputs.parentId, api().state.rootResourceId);
        const method = run.one(kMethod, "proxy");
        assert.equal(method.inputs.resourceId, resource.id);
        assert.equal(method.inputs.httpMethod, "ANY");
        const integration = run.one(kIntegration, "proxy");
        assert.equal(integration.inputs.resourceId, resource.id);
        assert.equal(integration.inputs.type, "AWS_PROXY");
        assert.equal(integration.inputs.integrationHttpMethod, "POST");
        assert.equal(integration.inputs.uri, fnState().invokeArn);
        assert.equal(run.all(kMethod).length, 2, "no method other than the two ANY methods");
        assert.equal(run.all(kIntegration).length, 2);
    });

    it("lets only lambda.amazonaws.com assume the execution role", () => {
        const trust = JSON.parse(run.one(kRole).inputs.assumeRolePolicy) as { Statement: Statement[] };
        assert.deepEqual(trust.Statement, [{
            Effect: "Allow",
            Principal: { Service: "lambda.amazonaws.com" },
            Action: "sts:AssumeRole",
        }]);
    });

    it("gives the role no permission beyond its one inline policy", () => {
        const role = run.one(kRole);
        assert.equal(role.inputs.managedPolicyArns, undefined);
        assert.equal(run.all("aws:iam/rolePolicyAttachment:RolePolicyAttachment").length, 0);
        assert.equal(run.all("aws:iam/policy:Policy").length, 0);
        assert.equal(run.one(kRolePolicy).inputs.role, role.id);
        assert.equal(fnState().role, role.state.arn);
    });

    it("allows exactly UpdateItem, GetItem, Scan and DescribeTable, on exactly this table", () => {
        const table = run.one(kTable).state;
        const onTable = policy().Statement.filter((s) => list(s.Action).some((a) => a.startsWith("dynamodb:")));
        assert.equal(onTable.length, 1);
        assert.deepEqual(list(onTable[0].Action).sort(),
            ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Scan", "dynamodb:UpdateItem"]);
        assert.deepEqual(list(onTable[0].Resource), [table.arn]);
    });

    it("allows writing logs only to the function's own log group", () => {
        const group = run.one(kLogGroup).state;
        assert.equal(fnState().loggingConfig.logGroup, group.name);
        const onLogs = policy().Statement.filter((s) => list(s.Action).some((a) => a.startsWith("logs:")));
        assert.equal(onLogs.length, 1);
        assert.deepEqual(list(onLogs[0].Action).sort(), ["logs:CreateLogStream", "logs:PutLogEvents"]);
        assert.deepEqual(list(onLogs[0].Resource), [group.arn, `${group.arn}:log-stream:*`]);
    });

    it("grants nothing else, and has no '*' in any action nor in any resource beyond the log-stream name", () => {
        const group = run.one(kLogGroup).state;
        const statements = policy().Statement;
        assert.equal(statements.length, 2);
        for (const s of statements) {
            assert.equal(s.Effect, "Allow");
            for (const field of ["NotAction", "NotResource", "Principal", "Condition"] as const) {
                assert.equal(s[field], undefined, `${field} in ${JSON.stringify(s)}`);
            }
            for (const action of list(s.Action)) {
                assert.ok(!action.includes("*"), `wildcard action ${action}`);
            }
            for (const resource of list(s.Resource)) {
                assert.ok(resource !== "*");
                // The one permitted '*': the stream names Lambda picks at run time, inside this
                // function's own log group (see policies.ts, logStreamsArn).
                if (resource !== `${group.arn}:log-stream:*`) {
                    assert.ok(!resource.includes("*"), `wildcard resource ${resource}`);
                }
                assert.ok(resource.startsWith(`arn:aws:dynamodb:${kRegion}:${kAccount}:table/`) ||
                    resource.startsWith(group.arn), `resource outside the table and log group: ${resource}`);
            }
        }
    });

    it("keys the table by route (a string), on demand, with point-in-time recovery, encryption and TTL on expiresAt", () => {
        const table = run.one(kTable).inputs;
        assert.equal(table.hashKey, "route");
        assert.deepEqual(table.attributes, [{ name: "route", type: "S" }]);
        assert.equal(table.rangeKey, undefined);
        assert.equal(table.billingMode, "PAY_PER_REQUEST");
        assert.equal(table.readCapacity, undefined);
        assert.equal(table.writeCapacity, undefined);
        assert.deepEqual(table.pointInTimeRecovery, { enabled: true });
        assert.deepEqual(table.serverSideEncryption, { enabled: true });
        assert.deepEqual(table.ttl, { attributeName: "expiresAt", enabled: true });
    });

    it("lets Pulumi name the table when tableName is not set", () => {
        assert.equal(run.one(kTable).inputs.name, undefined);
    });

    it("runs bootstrap on provided.al2023 for x86_64 with 128 MB and a 10 s timeout, from the configured zip", async () => {
        const fn = run.one(kFunction).inputs;
        assert.equal(fn.runtime, "provided.al2023");
        assert.equal(fn.handler, "bootstrap");
        assert.deepEqual(fn.architectures, ["x86_64"]);
        assert.equal(fn.memorySize, 128);
        assert.equal(fn.timeout, 10);
        assert.equal(await fn.code.path, zip);
    });

    it("gives the function only TABLE_NAME when no optional setting is configured", () => {
        const table = run.one(kTable).state;
        assert.deepEqual(reveal(run.one(kFunction).inputs.environment), { variables: { TABLE_NAME: table.name } });
    });

    it("keeps the function's logs for 14 days in a log group named after the stack", () => {
        const group = run.one(kLogGroup).inputs;
        assert.equal(group.retentionInDays, 14);
        assert.equal(group.namePrefix, "/aws/lambda/hitcounter-test-");
    });

    it("lets API Gateway invoke the function only from this API's prod stage", () => {
        const permission = run.one(kPermission).inputs;
        assert.equal(permission.action, "lambda:InvokeFunction");
        assert.equal(permission.principal, "apigateway.amazonaws.com");
        assert.equal(permission.function, fnState().name);
        assert.equal(permission.sourceArn, `${api().state.executionArn}/prod/*/*`);
        assert.ok(permission.sourceArn.startsWith(`arn:aws:execute-api:${kRegion}:${kAccount}:${api().id}/`));
    });

    it("redeploys whenever the routing changes: the deployment's trigger is a hash over the routing", () => {
        const deployment = run.one(kDeployment).inputs;
        assert.equal(deployment.restApi, api().id);
        assert.match(deployment.triggers.redeployment, /^[0-9a-f]{64}$/);
        assert.equal(run.one(kStage).inputs.deployment, run.one(kDeployment).id);
    });

    it("publishes a prod stage throttled for every method at 1000 requests/s with bursts of 2000", () => {
        const stage = run.one(kStage).inputs;
        assert.equal(stage.stageName, "prod");
        assert.equal(stage.restApi, api().id);
        const settings = run.one(kMethodSettings).inputs;
        assert.equal(settings.restApi, api().id);
        assert.equal(settings.stageName, "prod");
        assert.equal(settings.methodPath, "*/*");
        assert.equal(settings.settings.throttlingRateLimit, 1000);
        assert.equal(settings.settings.throttlingBurstLimit, 2000);
    });

    it("outputs the stage URL ending in a slash, the stats and dashboard URLs beneath it and the table's name", () => {
        const base = `https://${api().id}.execute-api.${kRegion}.amazonaws.com/prod/`;
        assert.deepEqual(run.outputs, {
            url: base,
            statsUrl: `${base}_stats`,
            dashboardUrl: `${base}_dashboard`,
            tableName: run.one(kTable).state.name,
        });
    });
});
