using static Weasel.Postgresql.SchemaUtils;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten.Subscriptions;
using Npgsql;
using Weasel.Core;
using Weasel.Core.Migrations;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace PmoLedger.Features.Audit;

/// <summary>One row of the event log exactly as stored, with the fields the chain covers.</summary>
public sealed record RawEvent(
    long Sequence, Guid? StreamId, long Version, string Type, DateTimeOffset Timestamp,
    string? UserName, string? CorrelationId, string Data);

/// <summary>
/// Tamper evidence: a SHA-256 hash chain over the whole event log in sequence order. Each link hashes the
/// previous link with one event's identity, type, recorded time, who recorded it, under which request,
/// and its data as PostgreSQL prints the jsonb (deterministic for a given value). Changing, removing or
/// inserting any chained event changes every link from there on. Marten's tombstones (placeholders for
/// rolled-back appends) carry no facts and are left out.
/// </summary>
public static class EventChain
{
    public const string Table = "pmo_event_chain";
    public static readonly string QualifiedTable = $"{LedgerStore.Schema}.{Table}";
    public static readonly byte[] Genesis = new byte[32];

    private static readonly string SelectRaw =
        $"select seq_id, stream_id, version, type, timestamp, user_name, correlation_id, data::text from {LedgerStore.Schema}.mt_events";

    public static byte[] Link(byte[] previous, RawEvent e)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(previous);
        // Every field is length-prefixed so no two different events can produce the same input.
        Append(hash, e.StreamId?.ToString("D"));
        Append(hash, BigEndian(e.Version));
        Append(hash, e.Type);
        Append(hash, BigEndian((e.Timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10)); // PostgreSQL keeps microseconds
        Append(hash, e.UserName);
        Append(hash, e.CorrelationId);
        Append(hash, e.Data);
        return hash.GetHashAndReset();
    }

    private static void Append(IncrementalHash hash, string? text) => Append(hash, text is null ? null : Encoding.UTF8.GetBytes(text));

    private static void Append(IncrementalHash hash, byte[]? bytes)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes?.Length ?? -1);
        hash.AppendData(length);
        if (bytes is not null) hash.AppendData(bytes);
    }

    private static byte[] BigEndian(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }

    /// <summary>Non-tombstone events with sequence in (after, upTo], in order, read raw.</summary>
    public static async IAsyncEnumerable<RawEvent> ReadRawAsync(NpgsqlConnection connection, long after, long upTo,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"{SelectRaw} where seq_id > $1 and seq_id <= $2 and type <> 'tombstone' order by seq_id", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = after });
        command.Parameters.Add(new NpgsqlParameter { Value = upTo });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) yield return Read(reader, 0);
    }

    internal static RawEvent Read(NpgsqlDataReader r, int at) => new(
        r.GetInt64(at), r.IsDBNull(at + 1) ? null : r.GetGuid(at + 1), r.GetInt64(at + 2), r.GetString(at + 3),
        r.GetFieldValue<DateTimeOffset>(at + 4), r.IsDBNull(at + 5) ? null : r.GetString(at + 5),
        r.IsDBNull(at + 6) ? null : r.GetString(at + 6), r.GetString(at + 7));

    /// <summary>The stored link just before <paramref name="sequence"/>, or the genesis value.</summary>
    public static async Task<byte[]> LinkBeforeAsync(NpgsqlConnection connection, long sequence, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"select link from {QualifiedTable} where seq_id <= $1 order by seq_id desc limit 1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = sequence });
        return await command.ExecuteScalarAsync(ct) as byte[] ?? Genesis;
    }

    /// <summary>The sequence of the last chained event and of the last event recorded (tombstones aside).</summary>
    public static async Task<(long Chained, long Recorded)> HeadsAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"select (select coalesce(max(seq_id), 0) from {QualifiedTable}), " +
            $"(select coalesce(max(seq_id), 0) from {LedgerStore.Schema}.mt_events where type <> 'tombstone')", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>
    /// Recomputes the chain from the raw rows up to the chained head and compares it link by link with the
    /// stored one. Events and links are matched on sequence, so a deleted event, an event without its link
    /// and a changed event are all caught, at the first sequence where the two disagree.
    /// </summary>
    public static async Task<IntegrityReport> VerifyAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var (chained, _) = await HeadsAsync(connection, ct);
        var pending = await PendingAsync(connection, chained, ct);
        await using var command = new NpgsqlCommand($"""
            select coalesce(e.seq_id, c.seq_id) as seq, c.link, e.seq_id, e.stream_id, e.version, e.type, e.timestamp,
                   e.user_name, e.correlation_id, e.data
            from ({SelectRaw} where seq_id <= $1 and type <> 'tombstone') e
            full outer join (select seq_id, link from {QualifiedTable} where seq_id <= $1) c on c.seq_id = e.seq_id
            order by seq
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = chained });
        await using var reader = await command.ExecuteReaderAsync(ct);

        var previous = Genesis;
        var checkedCount = 0L;
        byte[]? head = null;
        while (await reader.ReadAsync(ct))
        {
            var sequence = reader.GetInt64(0);
            var stored = reader.IsDBNull(1) ? null : reader.GetFieldValue<byte[]>(1);
            var computed = reader.IsDBNull(2) ? null : Link(previous, Read(reader, 2));
            if (stored is null || computed is null || !CryptographicOperations.FixedTimeEquals(stored, computed))
                return new IntegrityReport(false, checkedCount, sequence, null, null, pending);
            previous = head = computed;
            checkedCount++;
        }

        return new IntegrityReport(true, checkedCount, null, head is null ? null : Convert.ToHexStringLower(head),
            head is null ? null : chained, pending);
    }

    private static async Task<long> PendingAsync(NpgsqlConnection connection, long chained, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"select count(*) from {LedgerStore.Schema}.mt_events where seq_id > $1 and type <> 'tombstone'", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = chained });
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }
}

/// <summary>The verdict on the log; chainHead is the value to anchor outside the database.</summary>
public sealed record IntegrityReport(
    bool Verified, long EventsChecked, long? FirstBrokenSequence, string? ChainHead, long? ChainHeadSequence, long NotYetChained);

/// <summary>The chain's table. Its key references the event it links, so resetting the event store clears it too.</summary>
public sealed class EventChainStorage(StoreOptions options) : FeatureSchemaBase("pmo-event-chain", options.Advanced.Migrator)
{
    protected override IEnumerable<ISchemaObject> schemaObjects()
    {
        var table = new Table(new PostgresqlObjectName(LedgerStore.Schema, EventChain.Table, IdentifierUsage.General));
        table.AddColumn<long>("seq_id").AsPrimaryKey()
            .ForeignKeyTo(new PostgresqlObjectName(LedgerStore.Schema, "mt_events", IdentifierUsage.General), "seq_id",
                "fkey_pmo_event_chain_seq_id", Weasel.Core.CascadeAction.Cascade, Weasel.Core.CascadeAction.NoAction);
        table.AddColumn("link", "bytea").NotNull();
        yield return table;
    }
}

/// <summary>
/// Extends the chain as events are recorded. The async daemon hands over pages in sequence order, only
/// up to its high-water mark (so never past a transaction still in flight), and commits the links in the
/// same transaction as its progress; a page that is replayed first drops the links it is about to rewrite.
/// </summary>
public sealed class EventChainSubscription : SubscriptionBase
{
    public EventChainSubscription()
    {
        Name = "EventChain";
    }

    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller,
        IDocumentOperations operations, CancellationToken ct)
    {
        await using var connection = operations.Database.CreateConnection();
        await connection.OpenAsync(ct);

        var previous = await EventChain.LinkBeforeAsync(connection, page.SequenceFloor, ct);
        var sequences = new List<long>();
        var links = new List<byte[]>();
        await foreach (var e in EventChain.ReadRawAsync(connection, page.SequenceFloor, page.SequenceCeiling, ct))
        {
            previous = EventChain.Link(previous, e);
            sequences.Add(e.Sequence);
            links.Add(previous);
        }

        operations.QueueSqlCommand($"delete from {EventChain.QualifiedTable} where seq_id > ?", page.SequenceFloor);
        if (sequences.Count > 0)
        {
            operations.QueueSqlCommand(
                $"insert into {EventChain.QualifiedTable} (seq_id, link) select * from unnest(?::bigint[], ?::bytea[])",
                sequences.ToArray(), links.ToArray());
        }
        return NullChangeListener.Instance;
    }
}
