// Creating the counter table (`hitcounter create-table --store dynamodb:TABLE`).
//
// Thread safety: the functions share no state; call them from any thread.
#ifndef HITCOUNTER_STORE_DYNAMODB_TABLE_H_
#define HITCOUNTER_STORE_DYNAMODB_TABLE_H_

#include <chrono>
#include <optional>
#include <string_view>

#include "hitcounter/status.h"
#include "store/dynamodb_json.h"
#include "store/dynamodb_store.h"

namespace hitcounter {

// How long CreateDynamoDbTable waits for the table to become ACTIVE. AWS usually takes 5-30 s
// for a new, empty table; minutes mean something is wrong.
inline constexpr std::chrono::milliseconds kTableActiveTimeout{180'000};

// The first wait between two DescribeTable polls; each next wait doubles, up to kMaxTablePoll.
inline constexpr std::chrono::milliseconds kFirstTablePoll{100};
inline constexpr std::chrono::milliseconds kMaxTablePoll{2'000};

// Parses "R,W" (--provisioned): read and write capacity units, each 1..40000 (DynamoDB's
// default per-table quota). kInvalidArgument naming the flag's expected form otherwise.
Result<dynamodb::ProvisionedCapacity> ParseProvisionedCapacity(std::string_view text);

// Creates settings.table keyed by `route` (string): on demand (PAY_PER_REQUEST) when
// `provisioned` is not given. Then waits until DescribeTable says ACTIVE, at most `wait`, and
// turns on TTL on dynamodb::kExpiresAt, which expires rate-limit windows (an engine without
// TTL, such as dynalite, gets a warning on stderr: its windows stay, one item per limited
// route). Idempotent: when the table already exists (ResourceInUseException) it only waits,
// after checking that its key is `route` (string), and turns TTL on if it is not yet.
//
// OK once the table is ACTIVE. kInvalidArgument when a table of that name exists with another
// key; kUnavailable (naming table and region) when DynamoDB refuses or cannot be reached, or the
// table is not ACTIVE in time.
Status CreateDynamoDbTable(const DynamoDbSettings& settings,
                           const std::optional<dynamodb::ProvisionedCapacity>& provisioned,
                           std::chrono::milliseconds wait = kTableActiveTimeout);

}  // namespace hitcounter

#endif  // HITCOUNTER_STORE_DYNAMODB_TABLE_H_
