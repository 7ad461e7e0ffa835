// Runs the Pulumi program against mocks (no Pulumi CLI, no AWS) and records what it declares.
//
// runProgram() loads ../index afresh with the given configuration and resolves once every
// resource registration has reached the mocks (pulumi.runtime.disconnect drains them). Each
// resource's `inputs` are what the engine would receive; secrets arrive wrapped (see isSecret /
// reveal). Its resource options as the engine would see them (protect, retainOnDelete, the URNs
// it depends on) are read from the registration requests themselves, through the public
// monitor interface. Each run gets fresh mocks, so one process may run the program several
// times, one run after another.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

export const kProject = "hitcounter";
export const kStack = "test";
export const kRegion = "us-east-1";
export const kAccount = "123456789012";

export interface Recorded {
    type: string;
    name: string;
    id: string;
    urn: string;
    inputs: Record<string, any>;
    state: Record<string, any>;
    /** Resource options, from the registration request. */
    protect: boolean;
    retainOnDelete: boolean;
    /** URNs of every resource this one depends on: explicit dependsOn and its inputs' sources. */
    dependencies: string[];
    /** Per input property, the URNs its value came from. */
    propertyDependencies: Record<string, string[]>;
}

export interface Run {
    resources: Recorded[];
    outputs: Record<string, unknown>;
    /** The names of the outputs that are secrets (shown only with --show-secrets). */
    secretOutputs: string[];
    /** The one resource of this type (and name, if given); fails the test if not exactly one. */
    one(type: string, name?: string): Recorded;
    all(type: string): Recorded[];
}

const tempDirs: string[] = [];
process.on("exit", () => {
    for (const dir of tempDirs) {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

/** A tiny stand-in for the Lambda zip (removed at exit): under mocks its bytes are never read. */
export function makeFakeZip(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hitcounter-infra-"));
    tempDirs.push(dir);
    const zip = path.join(dir, "hitcounter-lambda.zip");
    fs.writeFileSync(zip, "PK\x05\x06" + "\0".repeat(18)); // an empty zip archive
    return zip;
}

// What the provider would compute after creation, shaped like real AWS values.
function computedState(type: string, name: string, id: string, inputs: Record<string, any>,
    options: RunOptions): Record<string, any> {
    switch (type) {
        case "aws:dynamodb/table:Table": {
            const tableName = inputs.name ?? `${name}-1a2b3c4`;
            return { name: tableName, arn: `arn:aws:dynamodb:${kRegion}:${kAccount}:table/${tableName}` };
        }
        case "aws:cloudwatch/logGroup:LogGroup": {
            const groupName = inputs.name ?? `${inputs.namePrefix ?? name}20261126000000000000000001`;
            // The provider trims the ":*" the CloudWatch API appends to a log group's ARN.
            return { name: groupName, arn: `arn:aws:logs:${kRegion}:${kAccount}:log-group:${groupName}` };
        }
        case "aws:iam/role:Role":
            return { name: `${name}-5d6e7f8`, arn: `arn:aws:iam::${kAccount}:role/${name}-5d6e7f8` };
        case "aws:lambda/function:Function": {
            const fnName = inputs.name ?? options.functionName ?? `${name}-9a8b7c6`;
            const arn = `arn:aws:lambda:${kRegion}:${kAccount}:function:${fnName}`;
            return {
                name: fnName,
                arn,
                invokeArn: `arn:aws:apigateway:${kRegion}:lambda:path/2015-03-31/functions/${arn}/invocations`,
            };
        }
        case "aws:apigateway/restApi:RestApi":
            return {
                name: inputs.name ?? `${name}-0f1e2d3`,
                rootResourceId: "rootres0",
                executionArn: `arn:aws:execute-api:${kRegion}:${kAccount}:${id}`,
            };
        case "aws:apigateway/stage:Stage":
            return {
                invokeUrl: `https://${inputs.restApi}.execute-api.${kRegion}.amazonaws.com/${inputs.stageName}`,
                executionArn: `arn:aws:execute-api:${kRegion}:${kAccount}:${inputs.restApi}/${inputs.stageName}`,
            };
        case "random:index/randomPassword:RandomPassword":
            // What the provider would generate: `length` characters of the allowed kinds.
            return { result: kGeneratedToken.slice(0, inputs.length) };
        case "aws:sns/topic:Topic":
            return { arn: `arn:aws:sns:${kRegion}:${kAccount}:${name}-4c3b2a1` };
        case "aws:cloudwatch/metricAlarm:MetricAlarm":
            return { arn: `arn:aws:cloudwatch:${kRegion}:${kAccount}:alarm:${name}-7e6d5c4` };
        default:
            return {};
    }
}

/** The token the mocked random provider "generates" (cut to the length asked for). */
export const kGeneratedToken = "GeneratedByTheMockRandomProvider0123456789abcdefghijklmnop";

function forgetProgram(): void {
    const infraDir = path.resolve(__dirname, "..") + path.sep;
    for (const file of Object.keys(require.cache)) {
        if (file.startsWith(infraDir) && !file.includes(`${path.sep}node_modules${path.sep}`) &&
            !file.includes(`${path.sep}test${path.sep}`)) {
            delete require.cache[file];
        }
    }
}

export interface RunOptions {
    /** Config keys marked secret, as `pulumi config set --secret` would. */
    secretKeys?: string[];
    /** The name "AWS" gives the function (a new name stands for a replaced function). */
    functionName?: string;
    /**
     * Changes what the "provider" answers for one resource: its id or an output property, as if
     * AWS had it differently (e.g. a method answering another httpMethod).
     */
    answer?: (type: string, name: string, answer: { id: string; state: Record<string, any> }) => void;
}

// The parts of a RegisterResourceRequest (the engine's protocol, @pulumi/pulumi/proto) read here.
interface RegisterRequest {
    getType(): string;
    getName(): string;
    getProtect(): boolean;
    getRetainondelete(): boolean;
    getDependenciesList(): string[];
    getPropertydependenciesMap(): { forEach(f: (value: { getUrnsList(): string[] }, key: string) => void): void };
}

interface RegisteredOptions {
    urn: string;
    protect: boolean;
    retainOnDelete: boolean;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
}

/**
 * Records, by "type::name", the options each registration request carries, by wrapping the mock
 * monitor's registerResource (the RPC the engine would receive).
 */
function recordRegistrations(): Map<string, RegisteredOptions> {
    const registered = new Map<string, RegisteredOptions>();
    const monitor = pulumi.runtime.getMonitor() as unknown as {
        registerResource(req: RegisterRequest, callback: (err: any, response: any) => void): Promise<void>;
    };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => register(req, (err, response) => {
        if (!err) {
            const propertyDependencies: Record<string, string[]> = {};
            req.getPropertydependenciesMap().forEach((value, key) => {
                propertyDependencies[key] = value.getUrnsList();
            });
            registered.set(`${req.getType()}::${req.getName()}`, {
                urn: response.getUrn(),
                protect: req.getProtect(),
                retainOnDelete: req.getRetainondelete(),
                dependencies: req.getDependenciesList(),
                propertyDependencies,
            });
        }
        callback(err, response);
    });
    return registered;
}

/**
 * Runs the program with `config` (keys without the project prefix). Rejects with the program's
 * error if it throws.
 */
export async function runProgram(config: Record<string, string>, options: RunOptions = {}): Promise<Run> {
    const answers: { type: string; name: string; id: string; inputs: Record<string, any>; state: Record<string, any> }[] = [];
    await pulumi.runtime.setMocks({
        newResource(args: pulumi.runtime.MockResourceArgs) {
            // Unique per resource, like real ids (several resources share the name "hitcounter").
            const answer = {
                id: `${args.type.split(":").pop()!.toLowerCase()}-${args.name}`,
                state: { ...args.inputs },
            };
            Object.assign(answer.state, computedState(args.type, args.name, answer.id, args.inputs, options));
            options.answer?.(args.type, args.name, answer);
            answers.push({ type: args.type, name: args.name, inputs: args.inputs, ...answer });
            return answer;
        },
        call(args: pulumi.runtime.MockCallArgs) {
            if (args.token === "aws:index/getPartition:getPartition") {
                return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
            }
            return args.inputs;
        },
    }, kProject, kStack, false);
    const registered = recordRegistrations();
    const full: Record<string, string> = {};
    for (const [key, value] of Object.entries(config)) {
        full[`${kProject}:${key}`] = value;
    }
    pulumi.runtime.setAllConfig(full, (options.secretKeys ?? []).map((k) => `${kProject}:${k}`));

    forgetProgram();
    let program: Record<string, unknown>;
    try {
        program = require("../index");
    } catch (err) {
        // Let any registration already started reach the mocks, then report how many did.
        await pulumi.runtime.disconnect();
        throw Object.assign(err as Error, { declaredResources: answers.length });
    }
    const outputs: Record<string, unknown> = {};
    const secretOutputs: string[] = [];
    for (const [key, value] of Object.entries(program)) {
        outputs[key] = pulumi.Output.isInstance(value) ? await valueOf(value) : value;
        if (pulumi.Output.isInstance(value) && await pulumi.isSecret(value)) {
            secretOutputs.push(key);
        }
    }
    await pulumi.runtime.disconnect(); // waits until every registration has been answered

    const resources: Recorded[] = answers.map((a) => {
        const options = registered.get(`${a.type}::${a.name}`);
        if (options === undefined) {
            throw new Error(`no registration request recorded for ${a.type} ${a.name}`);
        }
        return { ...a, ...options };
    });

    const all = (type: string) => resources.filter((r) => r.type === type);
    return {
        resources,
        outputs,
        secretOutputs,
        all,
        one(type: string, name?: string) {
            const found = all(type).filter((r) => name === undefined || r.name === name);
            if (found.length !== 1) {
                throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}`);
            }
            return found[0];
        },
    };
}

/** The plain value of an output (secret or not). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((v) => { resolve(v); return v; }));
}

function isSecretWrapper(value: unknown): value is { value: unknown } {
    return typeof value === "object" && value !== null &&
        (value as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig;
}

/** True when `value` is, or contains, a value the engine received as a secret. */
export function isSecret(value: unknown): boolean {
    if (isSecretWrapper(value)) {
        return true;
    }
    if (typeof value === "object" && value !== null) {
        return Object.values(value).some(isSecret);
    }
    return false;
}

/** `value` with every secret wrapper replaced by the value inside it. */
export function reveal(value: any): any {
    if (isSecretWrapper(value)) {
        return reveal(value.value);
    }
    if (Array.isArray(value)) {
        return value.map(reveal);
    }
    if (typeof value === "object" && value !== null && value.constructor === Object) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
    }
    return value;
}
