// The program's configuration: every `pulumi config` key, its default, and the checks that turn a
// bad value into one clear message before any resource is planned.
//
// readSettings() reads and validates everything at once and throws pulumi.RunError (printed by
// the Pulumi CLI without a stack trace) on the first bad value. It creates no resources, so a
// failed check leaves nothing half-planned.

import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

/** The repository root: infra/ sits directly under it. */
export const kRepoRoot = path.resolve(__dirname, "..");

/** Where CMake's release preset writes the Lambda package, relative to the repository root. */
export const kDefaultLambdaZip = "build/release/hitcounter-lambda.zip";

/** The command that builds kDefaultLambdaZip; named in the error when the zip is missing. */
export const kBuildZipCommand =
    "cmake --preset release && cmake --build --preset release --target hitcounter-lambda-zip";

/** How to read the admin token after `pulumi up` (a stack output, shown only when asked for). */
export const kAdminTokenCommand = "pulumi stack output --show-secrets adminToken";

export type BillingMode = "PAY_PER_REQUEST" | "PROVISIONED";
export type Architecture = "x86_64" | "arm64";
/** Who provides the region's API Gateway CloudWatch Logs role (needed for access logs). */
export type ApiGatewayLogRole = "create" | "existing";

const kBillingModes: readonly BillingMode[] = ["PAY_PER_REQUEST", "PROVISIONED"];
const kArchitectures: readonly Architecture[] = ["x86_64", "arm64"];
const kApiGatewayLogRoles: readonly ApiGatewayLogRole[] = ["create", "existing"];

/**
 * Reserved concurrency: Lambda's default regional quota is 1,000 concurrent executions, and it
 * refuses a reservation that leaves fewer than 100 unreserved. A larger value needs a raised
 * quota first; raise this bound with it.
 */
const kMaxReservedConcurrency = 1000;

/**
 * On-demand maximum throughput, per second: DynamoDB's default per-table quota (40,000 read and
 * 40,000 write request units), which bounds an on-demand table anyway.
 */
const kMaxOnDemandRequestUnits = 40000;

/** An e-mail address as SNS accepts one for the "email" protocol (checked loosely). */
const kEmailPattern = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** Lambda's own bounds on memory, in MB. */
const kMinMemoryMb = 128;
const kMaxMemoryMb = 10240;

/**
 * API Gateway REST integrations give up after 29 s (the default integration timeout), so a
 * function allowed to run longer would only bill for answers that nobody receives.
 */
const kMaxTimeoutSeconds = 29;

/** The retention periods CloudWatch Logs accepts (PutRetentionPolicy), in days. */
const kLogRetentionDays: readonly number[] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/** Per-table DynamoDB default quota for provisioned capacity units (read or write). */
const kMaxCapacityUnits = 40000;

/** Account-level API Gateway default (10,000 requests/s, burst 5,000) bounds what a stage can get. */
const kMaxThrottleRate = 10000;
const kMaxThrottleBurst = 5000;

/** DynamoDB table names: 3 to 255 of [A-Za-z0-9_.-]. */
const kTableNamePattern = /^[A-Za-z0-9_.-]{3,255}$/;

/** API Gateway stage names: letters, digits, '-' and '_' (at most 128). */
const kStageNamePattern = /^[A-Za-z0-9_-]{1,128}$/;

/** "<hits>/<window>", e.g. 100/1m, 5/30s, 1000/1h (the syntax of `--rate-limit`). */
const kRateLimitPattern = /^[1-9][0-9]*\/([1-9][0-9]*)?[smhd]$/;
/** One rule of rateLimitRules: "PREFIX LIMIT/WINDOW" or "PREFIX unlimited". */
const kRateLimitRulePattern = /^\/.*\s([1-9][0-9]*\/([1-9][0-9]*)?[smhd]|unlimited)$/;

export interface Settings {
    /** Absolute path of the Lambda zip (checked to exist). */
    lambdaZip: string;
    architecture: Architecture;
    memorySize: number;
    timeout: number;
    logRetentionDays: number;
    billingMode: BillingMode;
    /** Set only when billingMode is PROVISIONED. */
    readCapacity?: number;
    writeCapacity?: number;
    /** Undefined: Pulumi auto-names the table. */
    tableName?: string;
    stageName: string;
    throttleRateLimit: number;
    throttleBurstLimit: number;
    /** Service settings passed to the function only when configured (the function has defaults). */
    reservedPrefix?: string;
    rateLimit?: string;
    rateLimitRules?: string;
    maxRoutes?: number;
    /**
     * The token guarding /_stats, /_dashboard and /_metrics, as a Pulumi secret, when one is
     * configured; undefined otherwise (index.ts then generates one, unless publicReadEndpoints).
     */
    adminToken?: pulumi.Output<string>;
    /** true: the read-only endpoints are open to anyone (no token is generated or required). */
    publicReadEndpoints: boolean;
    /** Deletion protection on the table and Pulumi's `protect` on it. */
    protectTable: boolean;
    /** Undefined: the function shares the account's unreserved concurrency. */
    reservedConcurrency?: number;
    /** On-demand maximum read/write request units per second; undefined: no maximum. */
    maxReadRequestUnits?: number;
    maxWriteRequestUnits?: number;
    /** X-Ray tracing of the stage and the function. */
    tracing: boolean;
    /** Undefined: alarms have no action (visible in the console only). */
    alarmEmail?: string;
    apiGatewayLogRole: ApiGatewayLogRole;
}

function fail(message: string): never {
    throw new pulumi.RunError(`hitcounter config: ${message}`);
}

/** A whole number from min to max, or undefined when the key is not set. */
function readOptionalInt(config: pulumi.Config, key: string, min: number, max: number): number | undefined {
    const raw = config.get(key);
    if (raw === undefined) {
        return undefined;
    }
    const text = String(raw).trim();
    if (!/^[0-9]+$/.test(text) || Number(text) < min || Number(text) > max) {
        fail(`${key} must be a whole number from ${min} to ${max}, got "${raw}"`);
    }
    return Number(text);
}

function readInt(config: pulumi.Config, key: string, def: number, min: number, max: number): number {
    return readOptionalInt(config, key, min, max) ?? def;
}

function readChoice<T extends string>(config: pulumi.Config, key: string, def: T, choices: readonly T[]): T {
    const raw = config.get(key) ?? def;
    if (!(choices as readonly string[]).includes(raw)) {
        fail(`${key} must be one of ${choices.join(", ")}, got "${raw}"`);
    }
    return raw as T;
}

function readPattern(config: pulumi.Config, key: string, pattern: RegExp, what: string): string | undefined {
    const raw = config.get(key);
    if (raw === undefined) {
        return undefined;
    }
    if (!pattern.test(raw)) {
        fail(`${key} must be ${what}, got "${raw}"`);
    }
    return raw;
}

/** Rules separated by ";" or newlines; the function checks them again at start-up. */
function readRateLimitRules(config: pulumi.Config): string | undefined {
    const raw = config.get("rateLimitRules");
    if (raw === undefined || raw.trim() === "") {
        return undefined;
    }
    for (const rule of raw.split(/[;\n]/).map((r) => r.trim())) {
        if (rule !== "" && !rule.startsWith("#") && !kRateLimitRulePattern.test(rule)) {
            fail(`rateLimitRules must be "PREFIX LIMIT/WINDOW" or "PREFIX unlimited" rules separated by ";", got "${rule}"`);
        }
    }
    return raw;
}

function readLambdaZip(config: pulumi.Config): string {
    const configured = config.get("lambdaZip");
    // A relative lambdaZip is relative to the repository root, like the default.
    const zip = path.resolve(kRepoRoot, configured ?? kDefaultLambdaZip);
    // Checked here, before planning: under mocks a FileArchive is never read, and a real run
    // would fail only when the archive is uploaded, with an error that names no build command.
    if (!fs.existsSync(zip)) {
        fail(
            `the Lambda package ${zip} does not exist. Build it from the repository root with ` +
                `\`${kBuildZipCommand}\`` +
                (configured === undefined ? "" : ", or point lambdaZip at an existing zip"),
        );
    }
    return zip;
}

function readCapacities(config: pulumi.Config, billingMode: BillingMode): Pick<Settings, "readCapacity" | "writeCapacity"> {
    if (billingMode === "PAY_PER_REQUEST") {
        for (const key of ["readCapacity", "writeCapacity"]) {
            if (config.get(key) !== undefined) {
                fail(`${key} applies only to billingMode PROVISIONED; remove it (pulumi config rm ${key}) ` +
                    `or set billingMode to PROVISIONED`);
            }
        }
        return {};
    }
    return {
        readCapacity: readInt(config, "readCapacity", 5, 1, kMaxCapacityUnits),
        writeCapacity: readInt(config, "writeCapacity", 5, 1, kMaxCapacityUnits),
    };
}

function readBool(config: pulumi.Config, key: string, def: boolean): boolean {
    const raw = config.get(key);
    if (raw === undefined) {
        return def;
    }
    if (raw !== "true" && raw !== "false") {
        fail(`${key} must be true or false, got "${raw}"`);
    }
    return raw === "true";
}

/** Only for on-demand tables: provisioned capacity is its own bound. */
function readOnDemandMaximums(config: pulumi.Config, billingMode: BillingMode):
    Pick<Settings, "maxReadRequestUnits" | "maxWriteRequestUnits"> {
    const keys = ["maxReadRequestUnits", "maxWriteRequestUnits"] as const;
    if (billingMode === "PROVISIONED") {
        for (const key of keys) {
            if (config.get(key) !== undefined) {
                fail(`${key} applies only to billingMode PAY_PER_REQUEST (on demand); with PROVISIONED, ` +
                    `readCapacity and writeCapacity bound the table`);
            }
        }
        return {};
    }
    return {
        maxReadRequestUnits: readOptionalInt(config, keys[0], 1, kMaxOnDemandRequestUnits),
        maxWriteRequestUnits: readOptionalInt(config, keys[1], 1, kMaxOnDemandRequestUnits),
    };
}

/** A configured token, or none; publicReadEndpoints and a token contradict each other. */
function readReadAccess(config: pulumi.Config): Pick<Settings, "adminToken" | "publicReadEndpoints"> {
    const publicReadEndpoints = readBool(config, "publicReadEndpoints", false);
    const adminToken = config.getSecret("adminToken");
    if (publicReadEndpoints && adminToken !== undefined) {
        fail("publicReadEndpoints is true but adminToken is set: remove one " +
            "(pulumi config rm adminToken, or pulumi config rm publicReadEndpoints)");
    }
    return { adminToken, publicReadEndpoints };
}

function readLogRetention(config: pulumi.Config): number {
    const days = readInt(config, "logRetentionDays", 14, 1, kLogRetentionDays[kLogRetentionDays.length - 1]);
    if (!kLogRetentionDays.includes(days)) {
        fail(`logRetentionDays must be one of ${kLogRetentionDays.join(", ")}, got "${days}"`);
    }
    return days;
}

// The function's rule (hitcounter's ValidateReservedPrefix), checked at preview rather than at
// the function's init: "/_", or whole segments ending in "/" (and then nothing or "_").
const kReservedPrefix = /^\/(?:_|(?:[^/\s%]*[^/\s%.][^/\s%]*\/)+_?)$/;

function readReservedPrefix(config: pulumi.Config): string | undefined {
    const prefix = config.get("reservedPrefix");
    if (prefix !== undefined && !kReservedPrefix.test(prefix)) {
        fail(`reservedPrefix must be "/_" or whole segments ending in "/" (e.g. "/admin/", or "/admin/_"), got "${prefix}"`);
    }
    return prefix;
}

/** Reads and validates every configuration key; throws pulumi.RunError on the first bad one. */
export function readSettings(config: pulumi.Config): Settings {
    const billingMode = readChoice(config, "billingMode", "PAY_PER_REQUEST", kBillingModes);
    const rateLimit = config.get("rateLimit");
    return {
        architecture: readChoice(config, "architecture", "x86_64", kArchitectures),
        memorySize: readInt(config, "memorySize", 128, kMinMemoryMb, kMaxMemoryMb),
        timeout: readInt(config, "timeout", 10, 1, kMaxTimeoutSeconds),
        logRetentionDays: readLogRetention(config),
        billingMode,
        ...readCapacities(config, billingMode),
        tableName: readPattern(config, "tableName", kTableNamePattern, "3 to 255 of A-Z a-z 0-9 _ . -"),
        stageName: readPattern(config, "stageName", kStageNamePattern, "letters, digits, - and _") ?? "prod",
        throttleRateLimit: readInt(config, "throttleRateLimit", 1000, 1, kMaxThrottleRate),
        throttleBurstLimit: readInt(config, "throttleBurstLimit", 2000, 1, kMaxThrottleBurst),
        reservedPrefix: readReservedPrefix(config),
        // An empty rateLimit means "no limit", the function's own default: nothing to pass on.
        rateLimit: rateLimit === "" || rateLimit === undefined
            ? undefined
            : readPattern(config, "rateLimit", kRateLimitPattern, "<hits>/<window> such as 100/1m, 5/30s or 1000/1h"),
        rateLimitRules: readRateLimitRules(config),
        maxRoutes: readOptionalInt(config, "maxRoutes", 0, Number.MAX_SAFE_INTEGER),
        ...readReadAccess(config),
        protectTable: readBool(config, "protectTable", true),
        reservedConcurrency: readOptionalInt(config, "reservedConcurrency", 1, kMaxReservedConcurrency),
        ...readOnDemandMaximums(config, billingMode),
        tracing: readBool(config, "tracing", false),
        alarmEmail: readPattern(config, "alarmEmail", kEmailPattern, "an e-mail address"),
        apiGatewayLogRole: readChoice(config, "apiGatewayLogRole", "create", kApiGatewayLogRoles),
        // Checked last, so that a fresh checkout with a bad key hears about the key first.
        lambdaZip: readLambdaZip(config),
    };
}
