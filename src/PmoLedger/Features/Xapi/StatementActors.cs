using System.Text.Json.Nodes;
using JasperFx.Events;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Xapi;

/// <summary>
/// The data key that seals the actor of statements naming nobody registered: one per actor identity, found by the
/// identity's keyed hash (<see cref="KeyRing.LookupKey"/>). An erasure destroys the keys of the identities the
/// practitioner had, so statements stored before they registered (or under an address they had) forget them too.
/// </summary>
public sealed class XapiActorKey
{
    /// <summary>The keyed hash of the identity (<see cref="StatementIndex.Key"/> form), never the identity itself.</summary>
    public string Id { get; set; } = "";
    public Guid KeyId { get; set; }
}

/// <summary>Whose key seals a statement's actor, and what an erasure does to the statements and documents of the LRS.</summary>
public static class StatementActors
{
    /// <summary>
    /// The identity an unmapped actor's key belongs to: the agent's or group's own identifier; for an anonymous group,
    /// its first member's (the group was sent about that person first); failing all, the statement itself.
    /// </summary>
    public static string Identity(JsonNode? actor, Guid statementId)
    {
        if (actor is JsonObject a)
        {
            if (StatementIndex.Key(a) is { } own) return own;
            if (a["member"] is JsonArray members && members.OfType<JsonObject>().Select(StatementIndex.Key).OfType<string>().FirstOrDefault() is { } first)
                return first;
        }
        return "statement:" + statementId;
    }

    /// <summary>
    /// The key for each actor identity (by its keyed hash): found, or created in <paramref name="session"/>'s transaction.
    /// Two writers creating the same identity's key collide on the lookup row and the loser retries.
    /// </summary>
    public static async Task<Dictionary<string, Guid>> KeysFor(IDocumentSession session, KeyRing keys, IEnumerable<string> identityHashes, CancellationToken ct)
    {
        var wanted = identityHashes.Distinct().ToArray();
        if (wanted.Length == 0) return [];
        var found = (await session.LoadManyAsync<XapiActorKey>(ct, wanted)).ToDictionary(k => k.Id, k => k.KeyId);
        foreach (var hash in wanted.Where(h => !found.ContainsKey(h)))
        {
            var keyId = Guid.CreateVersion7();
            keys.Store(session, keyId);
            session.Insert(new XapiActorKey { Id = hash, KeyId = keyId });
            found[hash] = keyId;
        }
        return found;
    }

    /// <summary>How an LMS may name a person with this address: <c>mbox</c> and <c>mbox_sha1sum</c>, as keyed hashes.</summary>
    public static IEnumerable<string> IdentityHashes(KeyRing keys, string email)
    {
        var normal = email.Trim().ToLowerInvariant();
        yield return keys.LookupKey("mbox:mailto:" + normal);
        yield return keys.LookupKey(PractitionerMboxHash.AgentKeyOf(normal));
    }

    /// <summary>Every address the practitioner's events name (registered and corrected), while their key still opens them.</summary>
    public static IEnumerable<string> Addresses(IEnumerable<IEvent> events) => events.SelectMany(e => e.Data switch
    {
        PractitionerRegistered r => new[] { r.Email },
        PractitionerDetailsCorrected c => new[] { c.Email, c.PreviousEmail },
        _ => []
    }).OfType<PersonalText>().Where(t => !t.Erased).Select(t => t.Text).Distinct(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Part of an erasure's transaction: destroys the actor keys of the practitioner's addresses (their lookup rows go
    /// with them, so a later statement gets a new key) and deletes the LRS documents kept about those agents. Returns
    /// the destroyed key ids, for <see cref="KeyRing.Forget"/> after the commit and for <see cref="RefreshAsync"/>.
    /// </summary>
    public static async Task<IReadOnlyList<Guid>> ForgetAsync(IDocumentSession session, KeyRing keys, IEnumerable<string> addresses, CancellationToken ct)
    {
        var hashes = addresses.SelectMany(a => IdentityHashes(keys, a)).Distinct().ToArray();
        if (hashes.Length == 0) return [];
        var found = await session.LoadManyAsync<XapiActorKey>(ct, hashes);
        foreach (var actorKey in found)
        {
            keys.Destroy(session, actorKey.KeyId);
            session.Delete(actorKey);
        }
        session.DeleteWhere<XapiDocument>(d => d.AgentKey.IsOneOf(hashes));
        return found.Select(k => k.KeyId).ToList();
    }

    /// <summary>
    /// Re-indexes the statements whose actor was sealed under one of <paramref name="keyIds"/>: their actor now reads
    /// "[erased]" and its identifiers leave the query index, exactly as a rebuild would leave them. The document holds
    /// every field of the event it was built from (sealed as in the event), so it is rebuilt from itself, whichever
    /// stream shape the statement was stored in.
    /// </summary>
    public static async Task RefreshAsync(IDocumentSession session, KeyRing keys, IReadOnlyCollection<Guid> keyIds, CancellationToken ct)
    {
        var stale = await session.Query<XapiStatement>().Where(x => x.ActorKeyId.IsOneOf(keyIds.ToArray())).ToListAsync(ct);
        foreach (var doc in stale)
        {
            var fresh = StatementIndex.Build(new XapiStatementStored(doc.Id, doc.ProviderId, doc.Stored, doc.Body, doc.Actor, doc.UnmappedReason), keys);
            fresh.Voided = doc.Voided;
            session.Store(fresh);
        }
    }
}
