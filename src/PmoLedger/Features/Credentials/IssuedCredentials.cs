using System.IO.Compression;
using System.Security.Cryptography;
using System.Buffers.Text;
using JasperFx.Events;
using Marten.Events.Projections;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Credentials;

/// <summary>One credential as the routes and the status lists read it. No personal data.</summary>
public sealed class IssuedCredential
{
    public Guid Id { get; set; }
    public Guid PractitionerId { get; set; }
    public string AchievementId { get; set; } = "";
    public string Name { get; set; } = "";
    public DateOnly ValidFrom { get; set; }
    public DateOnly? ValidUntil { get; set; }
    public int StatusList { get; set; }
    public int StatusIndex { get; set; }
    public DateTimeOffset IssuedAt { get; set; }
    public DateOnly? RevokedOn { get; set; }
    public string? RevokedReason { get; set; }

    public string StatusOn(DateOnly day) => RevokedOn is not null ? "revoked" : ValidUntil is { } until && day >= until ? "expired" : "active";
}

public partial class IssuedCredentialProjection : MultiStreamProjection<IssuedCredential, Guid>
{
    public IssuedCredentialProjection()
    {
        Identity<CredentialIssued>(e => e.CredentialId);
        Identity<CredentialRevoked>(e => e.CredentialId);
    }

    public override IssuedCredential? Evolve(IssuedCredential? snapshot, Guid id, IEvent e)
    {
        switch (e.Data)
        {
            case CredentialIssued i:
                return new IssuedCredential
                {
                    Id = i.CredentialId, PractitionerId = e.StreamId, AchievementId = i.AchievementId, Name = i.Name,
                    ValidFrom = i.ValidFrom, ValidUntil = i.ValidUntil, StatusList = i.StatusList, StatusIndex = i.StatusIndex,
                    IssuedAt = e.Timestamp
                };
            case CredentialRevoked r when snapshot is not null:
                snapshot.RevokedOn = r.RevokedOn;
                snapshot.RevokedReason = r.Reason;
                return snapshot;
        }
        return snapshot;
    }
}

/// <summary>
/// The signed credential as handed out. Kept apart from the event because it carries the email hash's salt in clear:
/// an erasure deletes it, and the credential's page then shows only that it was revoked.
/// </summary>
public sealed class CredentialToken
{
    public Guid Id { get; set; }
    public Guid PractitionerId { get; set; }
    public string Jws { get; set; } = "";
}

/// <summary>An achievement as last issued, so its URL answers (a certification's name is known only from an award).</summary>
public sealed class AchievementRecord
{
    public string Id { get; set; } = "";
    public AchievementKind Kind { get; set; }
    public string Name { get; set; } = "";
    public string Description { get; set; } = "";
    public string Criteria { get; set; } = "";

    public AchievementDefinition Definition => new(Id, Kind, Name, Description, Criteria);

    public static AchievementRecord From(AchievementDefinition a) =>
        new() { Id = a.Id, Kind = a.Kind, Name = a.Name, Description = a.Description, Criteria = a.Criteria };
}

/// <summary>
/// Bitstring Status List v1.0: lists of <see cref="Entries"/> bits, one per credential, set when it is revoked. A
/// new credential takes a random free index, so a list leaks no issue order; the unique index on (list, index)
/// turns a race for the same slot into a retried message.
/// </summary>
public static class StatusLists
{
    public const int Entries = 131_072;

    /// <summary>A list takes new credentials until half full, so a random pick finds a free index within a few tries.</summary>
    public const int FillLimit = Entries / 2;

    public static void Configure(StoreOptions opts)
    {
        opts.Projections.Add<IssuedCredentialProjection>(JasperFx.Events.Projections.ProjectionLifecycle.Inline);
        opts.Schema.For<IssuedCredential>()
            .Index(x => x.PractitionerId)
            .UniqueIndex(Marten.Schema.UniqueIndexType.Computed, "ux_issued_credential_status_slot", x => x.StatusList, x => x.StatusIndex);
        opts.Schema.For<CredentialToken>().Index(x => x.PractitionerId);
        opts.Schema.For<AchievementRecord>().Identity(x => x.Id);
    }

    public static async Task<IReadOnlyList<StatusSlot>> Allocate(IQuerySession session, int count, CancellationToken ct)
    {
        if (count == 0) return [];
        var list = await CurrentList(session, ct);
        var slots = new List<StatusSlot>();
        while (slots.Count < count)
        {
            var candidates = Enumerable.Range(0, 4 * count).Select(_ => RandomNumberGenerator.GetInt32(Entries)).Distinct().ToList();
            var taken = await session.Query<IssuedCredential>()
                .Where(c => c.StatusList == list && candidates.Contains(c.StatusIndex)).Select(c => c.StatusIndex).ToListAsync(ct);
            slots.AddRange(candidates.Except(taken).Except(slots.Select(s => s.Index)).Take(count - slots.Count).Select(i => new StatusSlot(list, i)));
        }
        return slots;
    }

    /// <summary>The highest list, or the next once it is full: one round trip, on the (list, index) unique index.</summary>
    private static async Task<int> CurrentList(IQuerySession session, CancellationToken ct) =>
        (await session.QueryAsync<int>(
            $"select case when (select count(*) from {LedgerStore.Schema}.mt_doc_issuedcredential where (data ->> 'statusList')::integer = highest) < ? " +
            $"then highest else highest + 1 end from (select coalesce(max((data ->> 'statusList')::integer), 1) as highest " +
            $"from {LedgerStore.Schema}.mt_doc_issuedcredential) as lists", ct, FillLimit)).Single();

    /// <summary>
    /// The indices revoked in <paramref name="list"/>, or null when there is no such list (lists up to the highest in use
    /// answer; list 1 always does). One round trip: a verifier's 304 needs these inputs of the entity tag anyway.
    /// </summary>
    public static async Task<IReadOnlyList<int>?> Revoked(IQuerySession session, int list, CancellationToken ct)
    {
        var batch = session.CreateBatchQuery();
        var highest = batch.Query<IssuedCredential>().OrderByDescending(c => c.StatusList).Select(c => c.StatusList).FirstOrDefault();
        var revoked = batch.Query<IssuedCredential>().Where(c => c.StatusList == list && c.RevokedOn != null).Select(c => c.StatusIndex).ToList();
        await batch.Execute(ct);
        return list <= Math.Max(1, await highest) ? await revoked : null;
    }

    /// <summary>
    /// The bits, first index in the most significant bit of the first byte, GZIP-compressed and written as base64url
    /// with the multibase prefix 'u' (Bitstring Status List v1.0, "encodedList").
    /// </summary>
    public static string Encode(IEnumerable<int> revoked)
    {
        var bits = new byte[Entries / 8];
        foreach (var index in revoked) bits[index / 8] |= (byte)(0x80 >> (index % 8));
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.SmallestSize)) gzip.Write(bits);
        return "u" + Base64Url.EncodeToString(buffer.ToArray());
    }

    public static System.Text.Json.Nodes.JsonObject Credential(int list, IEnumerable<int> revoked, DateTimeOffset now, CredentialSettings settings) => new()
    {
        ["@context"] = new System.Text.Json.Nodes.JsonArray(OpenBadge.VcContext),
        ["id"] = settings.StatusListUrl(list),
        ["type"] = new System.Text.Json.Nodes.JsonArray("VerifiableCredential", "BitstringStatusListCredential"),
        ["issuer"] = settings.IssuerId,
        ["validFrom"] = OpenBadge.Instant(now),
        ["credentialSubject"] = new System.Text.Json.Nodes.JsonObject
        {
            ["id"] = $"{settings.StatusListUrl(list)}#list",
            ["type"] = "BitstringStatusList",
            ["statusPurpose"] = "revocation",
            ["encodedList"] = Encode(revoked)
        }
    };
}

/// <summary>
/// Signed status lists, kept while nothing that goes into them changes. Verifiers fetch a list for every check; compressing
/// 131,072 bits and signing them each time is work only a revocation (or a new key or base URL) should cause. The entity
/// tag names exactly those inputs, so a verifier holding the current copy gets a 304.
/// </summary>
public sealed class SignedStatusLists(CredentialKeys keys, CredentialSettings settings)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, SignedStatusList> _signed = new();

    public SignedStatusList For(int list, IReadOnlyCollection<int> revoked, DateTimeOffset now)
    {
        var tag = Tag(list, revoked);
        if (_signed.TryGetValue(list, out var kept) && kept.ETag == tag) return kept;
        var signed = new SignedStatusList(tag, VcJwt.Sign(VcJwt.Payload(StatusLists.Credential(list, revoked, now, settings)), keys.Signing));
        _signed[list] = signed;
        return signed;
    }

    private string Tag(int list, IEnumerable<int> revoked)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{keys.Signing.KeyId}|{settings.StatusListUrl(list)}|"));
        Span<byte> index = stackalloc byte[4];
        foreach (var i in revoked.Order())
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(index, i);
            hash.AppendData(index);
        }
        return $"\"{Base64Url.EncodeToString(hash.GetHashAndReset().AsSpan(0, 16))}\"";
    }
}

public sealed record SignedStatusList(string ETag, string Jws);
