using System.Buffers.Text;
using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;
using Json.Schema;
using PmoLedger.Tests.Features;

namespace PmoLedger.Tests.Credentials;

/// <summary>
/// Checks credentials as an outside verifier would: the official schema (the tests' own copy), jose-jwt (a JOSE
/// implementation the service does not use) given only the JWKS fetched over HTTP, and the status list decoded here.
/// </summary>
public abstract class CredentialContext(AppFixture fixture) : ProgressionContext(fixture)
{
    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromText(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Credentials", "schema", "ob_v3p0_achievementcredential_schema.json")),
        new BuildOptions { SchemaRegistry = new SchemaRegistry() }));

    public static EvaluationResults ValidateAgainstOfficialSchema(JsonObject credential) =>
        Schema.Value.Evaluate(JsonSerializer.SerializeToElement(credential),
            new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });

    /// <summary>
    /// Waits for the settlement the facts set off (the daemon relays them to a Wolverine message) until the
    /// practitioner's list satisfies <paramref name="done"/>; fails with what it last saw.
    /// </summary>
    protected async Task<JsonElement[]> CredentialsWhen(Guid practitionerId, Func<JsonElement[], bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonElement[] items;
        while (true)
        {
            items = (await Get<JsonElement>($"/api/practitioners/{practitionerId}/credentials")).EnumerateArray().ToArray();
            if (done(items) || DateTime.UtcNow > deadline) break;
            await Task.Delay(100);
        }
        done(items).ShouldBeTrue($"credentials seen: {JsonSerializer.Serialize(items)}");
        return items;
    }

    protected async Task<long> LastSequenceOf(Guid stream)
    {
        await using var session = Store.QuerySession();
        return (await session.QueryAsync<long>("select max(seq_id) from ledger.mt_events where stream_id = ?", stream)).Single();
    }

    /// <summary>Waits for the condition, not for a time: the relay's recorded progress reaching the sequence.</summary>
    protected async Task RelayPassed(long sequence)
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            await using var session = Store.QuerySession();
            var progress = await session.QueryAsync<long>("select last_seq_id from ledger.mt_event_progression where name = 'CredentialRelay:All'");
            if (progress.Count == 1 && progress[0] >= sequence) return;
            await Task.Delay(50, patience.Token);
        }
    }

    protected static string UrlPath(JsonElement item, string property) => new Uri(item.Str(property)).AbsolutePath;

    protected async Task<string> Jwt(Guid credentialId)
    {
        var result = await Host.Scenario(s =>
        {
            s.Get.Url($"/credentials/{credentialId}.jwt");
            s.StatusCodeShouldBe(200);
            s.ContentTypeShouldBe("application/vc+jwt");
        });
        return await result.ReadAsTextAsync();
    }

    protected async Task<string> Jwks()
    {
        var result = await Host.Scenario(s =>
        {
            s.Get.Url("/.well-known/jwks.json");
            s.StatusCodeShouldBe(200);
            s.ContentTypeShouldBe("application/jwk-set+json");
        });
        return await result.ReadAsTextAsync();
    }

    /// <summary>jose-jwt's own check: the key named by the header's kid in the JWKS, RS256 only. Throws on a bad signature.</summary>
    public static JsonObject DecodeWithJose(string jwt, string jwks)
    {
        var kid = (string)Jose.JWT.Headers(jwt)["kid"];
        var key = Jose.JwkSet.FromJson(jwks, Jose.JWT.DefaultSettings.JsonMapper).Keys.Single(k => k.KeyId == kid);
        return JsonNode.Parse(Jose.JWT.Decode(jwt, key, Jose.JwsAlgorithm.RS256))!.AsObject();
    }

    protected async Task<JsonElement> Verify(string jwt)
    {
        var result = await Host.Scenario(s =>
        {
            s.Post.Text(jwt).ToUrl("/api/credentials/verify");
            s.WithRequestHeader("Content-Type", "application/vc+jwt");
            s.StatusCodeShouldBe(200);
        });
        return await result.Json();
    }

    /// <summary>GETs a status list as a verifier holding <paramref name="held"/> would; returns the list's entity tag.</summary>
    protected async Task<string> StatusListTag(string path, string? held, int expectedStatus) =>
        (await StatusListTagAndRoundTrips(path, held, expectedStatus)).Tag;

    /// <summary>
    /// As <see cref="StatusListTag"/>, also counting the request's database round trips: Npgsql's spans (one per command or
    /// batch) in the trace the request is sent in, so nothing running beside it (Wolverine's polling) counts.
    /// </summary>
    protected async Task<(string Tag, int RoundTrips)> StatusListTagAndRoundTrips(string path, string? held, int expectedStatus)
    {
        var trace = ActivityTraceId.CreateRandom();
        var roundTrips = 0;
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Npgsql" or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
                options.TraceId == trace ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.None,
            ActivityStarted = activity =>
            {
                if (activity.Source.Name == "Npgsql" && activity.TraceId == trace) Interlocked.Increment(ref roundTrips);
            }
        };
        ActivitySource.AddActivityListener(listener);
        var result = await Host.Scenario(s =>
        {
            s.Get.Url(path);
            s.WithRequestHeader("traceparent", $"00-{trace}-{ActivitySpanId.CreateRandom()}-01");
            if (held is not null) s.WithRequestHeader("If-None-Match", held);
            s.StatusCodeShouldBe(expectedStatus);
        });
        var tag = result.Context.Response.Headers.ETag.ToString();
        tag.ShouldNotBeNullOrEmpty();
        return (tag, roundTrips);
    }

    /// <summary>The status list at <paramref name="statusListCredential"/>, signature checked with jose-jwt, its bitstring decoded here.</summary>
    protected async Task<bool> RevokedInStatusList(string statusListCredential, int index)
    {
        var result = await Host.Scenario(s =>
        {
            s.Get.Url(new Uri(statusListCredential).AbsolutePath);
            s.StatusCodeShouldBe(200);
            s.ContentTypeShouldBe("application/vc+jwt");
        });
        var list = DecodeWithJose(await result.ReadAsTextAsync(), await Jwks());
        list["type"]!.AsArray().Select(t => t!.GetValue<string>()).ShouldContain("BitstringStatusListCredential");
        var subject = list["credentialSubject"]!;
        subject["statusPurpose"]!.GetValue<string>().ShouldBe("revocation");
        var encoded = subject["encodedList"]!.GetValue<string>();
        encoded[0].ShouldBe('u');
        using var gzip = new GZipStream(new MemoryStream(Base64Url.DecodeFromChars(encoded.AsSpan(1))), CompressionMode.Decompress);
        using var bits = new MemoryStream();
        gzip.CopyTo(bits);
        (bits.Length * 8).ShouldBeGreaterThanOrEqualTo(131_072);
        return (bits.ToArray()[index / 8] & (0x80 >> (index % 8))) != 0;
    }
}
