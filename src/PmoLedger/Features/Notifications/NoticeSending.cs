using PmoLedger.Web;
using Weasel.Core;
using Weasel.Core.Migrations;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace PmoLedger.Features.Notifications;

/// <summary>One mail of a notice, composed.</summary>
public sealed record Mail(string To, string Subject, string Text, string Html);

/// <summary>A notice that is due: its reason (kind + about, what <see cref="NotificationSent"/> records) and its mails.</summary>
public sealed record DueNotice(string Kind, string About, IReadOnlyList<Mail> Mails)
{
    public string Reason => NotificationSent.Key(Kind, About);
}

/// <summary>
/// Sends a notice once without holding the stream it is recorded on while a mail server answers. Holding the stream's
/// lock for the send (as before) made every write to that person's record — a provider's completion, a CPD entry —
/// wait for the mail server, for minutes when it hangs. Instead a delivery first takes a claim on the notice's reason
/// (a row, in its own short statement), sends with no lock held, and then records <see cref="NotificationSent"/> and
/// drops the claim in one transaction, with the house retry when another write to the stream came first.
/// A second delivery of the same notice meanwhile (a redelivery, another node) finds the claim and looks again a
/// minute later, when the reason is recorded and it sends nothing. A claim outlives its holder only if the process
/// dies mid-send; it lapses after <see cref="Lease"/> (far above the mail client's timeout) and the next delivery sends
/// — as before, a crash between the send and the commit can send a notice twice, never lose it.
/// </summary>
public sealed class NoticeSender(IDocumentStore store, Mailer mailer, TimeProvider clock, ILogger<NoticeSender> logger)
{
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan LookAgain = TimeSpan.FromMinutes(1);

    /// <param name="prepare">Reads what it needs (the stream's state is given) and says whether the notice is due.</param>
    /// <returns>Nothing, or <paramref name="message"/> again a minute on while another delivery holds the claim.</returns>
    public async Task<OutgoingMessages> SendOnceAsync<TState>(object message, Guid streamId,
        Func<IQuerySession, TState?, Task<DueNotice?>> prepare, CancellationToken ct) where TState : class
    {
        if (await PrepareAsync(streamId, prepare, ct) is not { } notice) return [];
        var claim = $"{streamId}/{notice.Reason}";
        var now = clock.GetUtcNow();
        if (!await NoticeClaims.TryTakeAsync(store, claim, now, now + Lease, ct)) return new[] { new Scheduled(message, LookAgain) }.ToOutgoing();
        // Read again under the claim: another delivery may have recorded this notice and dropped its claim between the
        // first read and the claim taken, and would otherwise be sent twice.
        if (await PrepareAsync(streamId, prepare, ct) is not { } still || still.Reason != notice.Reason)
        {
            await NoticeClaims.ReleaseAsync(store, claim, ct);
            return [];
        }
        notice = still;

        var sentAt = clock.GetUtcNow();
        try
        {
            foreach (var mail in notice.Mails) await mailer.SendAsync(mail.To, mail.Subject, mail.Text, mail.Html, ct);
        }
        catch
        {
            // Nothing was recorded: the retry (NoticeRetries) may send at once rather than wait for the lease.
            try { await NoticeClaims.ReleaseAsync(store, claim, CancellationToken.None); }
            catch (Exception release) { logger.LogWarning(release, "The claim on notice {Claim} stays until it lapses", claim); }
            throw;
        }

        await WriteConflicts.Retry(async () =>
        {
            await using var session = store.LightweightSession();
            session.LastModifiedBy = "notifications";
            var stream = await session.Events.FetchForWriting<TState>(streamId, ct);
            stream.AppendOne(new NotificationSent(notice.Kind, notice.About, sentAt));
            NoticeClaims.Release(session, claim);
            await session.SaveChangesAsync(ct);
            return true;
        }, () => throw new InvalidOperationException($"Recording the notice {notice.Reason} on stream {streamId} lost every race"), logger, ct);
        return [];
    }

    private async Task<DueNotice?> PrepareAsync<TState>(Guid streamId, Func<IQuerySession, TState?, Task<DueNotice?>> prepare, CancellationToken ct)
        where TState : class
    {
        await using var read = store.LightweightSession();
        return await prepare(read, await read.Events.FetchLatest<TState>(streamId, ct));
    }
}

/// <summary>The claims of notices being sent: one row per reason, with the instant the claim lapses.</summary>
public static class NoticeClaims
{
    public const string Table = "pmo_notice_claims";

    /// <summary>Takes a free or lapsed claim in one statement (atomic on its own); false when another delivery holds it.</summary>
    public static async Task<bool> TryTakeAsync(IDocumentStore store, string claim, DateTimeOffset now, DateTimeOffset until, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        return (await session.AdvancedSql.QueryAsync<string>(
            $"insert into {LedgerStore.Schema}.{Table} (claim, until) values (?, ?) on conflict (claim) do update set until = excluded.until " +
            $"where {Table}.until <= ? returning claim", ct, claim, until, now)).Count == 1;
    }

    /// <summary>Dropped in the transaction that records the notice.</summary>
    public static void Release(IDocumentSession session, string claim) =>
        session.QueueSqlCommand($"delete from {LedgerStore.Schema}.{Table} where claim = ?", claim);

    public static async Task ReleaseAsync(IDocumentStore store, string claim, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        Release(session, claim);
        await session.SaveChangesAsync(ct);
    }
}

/// <summary>The claims table, created and migrated with the rest of the schema.</summary>
public sealed class NoticeClaimStorage(StoreOptions options) : FeatureSchemaBase("pmo-notice-claims", options.Advanced.Migrator)
{
    protected override IEnumerable<ISchemaObject> schemaObjects()
    {
        var table = new Table(new PostgresqlObjectName(LedgerStore.Schema, NoticeClaims.Table, SchemaUtils.IdentifierUsage.General));
        table.AddColumn<string>("claim").AsPrimaryKey();
        table.AddColumn<DateTimeOffset>("until").NotNull();
        yield return table;
    }
}
