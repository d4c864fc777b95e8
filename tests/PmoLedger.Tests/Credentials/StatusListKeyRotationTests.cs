using Alba;
using PmoLedger.Features.Credentials;
using PmoLedger.Tests.Hosting;

namespace PmoLedger.Tests.Credentials;

/// <summary>
/// A status list's entity tag across a signing-key rotation (docs/credentials.md, "Keys"): the list is signed with the
/// signing key of the moment, so a verifier holding the copy signed with the retired key is sent the copy signed with
/// the new one, even though no revocation changed the bits. On a database of its own, with the service restarted on the
/// rotated keys as an operator would.
/// </summary>
public class StatusListKeyRotationTests(AppFixture fixture) : IntegrationContext(fixture)
{
    private const string ListPath = "/credentials/status/1";

    [Fact]
    public Task a_verifier_holding_the_list_signed_with_the_old_key_gets_the_list_signed_with_the_new_one() =>
        LedgerNodes.OnOwnDatabases(Rotate);

    private static async Task Rotate()
    {
        var old = SigningKey.Generate(2048);
        var next = SigningKey.Generate(2048);
        var database = await TestDatabases.Fresh("_rotation");

        string heldTag, heldJws;
        await using (var before = await LedgerNodes.Start(database, solo: true, settings: [("Credentials__SigningKey", old.Rsa.ExportPkcs8PrivateKeyPem())]))
        {
            (heldTag, heldJws) = await StatusList(before, null, 200);
            KeyIdOf(heldJws).ShouldBe(old.KeyId);
            // The tag is stable while nothing changes: the premise of the check below.
            await StatusList(before, heldTag, 304);
        }

        await using var after = await LedgerNodes.Start(database, solo: true, settings:
        [
            ("Credentials__SigningKey", next.Rsa.ExportPkcs8PrivateKeyPem()),
            ("Credentials__RetiredKeys__0", old.Rsa.ExportSubjectPublicKeyInfoPem())
        ]);
        var jwks = await Jwks(after);

        // Not a 304: the held copy is signed with the retired key.
        var (tag, jws) = await StatusList(after, heldTag, 200);
        tag.ShouldNotBe(heldTag);
        KeyIdOf(jws).ShouldBe(next.KeyId);
        var current = CredentialContext.DecodeWithJose(jws, jwks);
        var held = CredentialContext.DecodeWithJose(heldJws, jwks);
        // The same bits, now under the new key; the held copy still verifies, its key being published as retired.
        current["credentialSubject"]!["encodedList"]!.GetValue<string>().ShouldBe(held["credentialSubject"]!["encodedList"]!.GetValue<string>());
        await StatusList(after, tag, 304);
    }

    private static async Task<(string Tag, string Jws)> StatusList(IAlbaHost host, string? held, int expectedStatus)
    {
        var result = await host.Scenario(s =>
        {
            s.Get.Url(ListPath);
            if (held is not null) s.WithRequestHeader("If-None-Match", held);
            s.StatusCodeShouldBe(expectedStatus);
        });
        var tag = result.Context.Response.Headers.ETag.ToString();
        tag.ShouldNotBeNullOrEmpty();
        return (tag, expectedStatus == 200 ? await result.ReadAsTextAsync() : "");
    }

    private static async Task<string> Jwks(IAlbaHost host)
    {
        var result = await host.Scenario(s =>
        {
            s.Get.Url("/.well-known/jwks.json");
            s.StatusCodeShouldBe(200);
        });
        return await result.ReadAsTextAsync();
    }

    private static string KeyIdOf(string jws) => (string)Jose.JWT.Headers(jws)["kid"];
}
