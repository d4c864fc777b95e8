using Wolverine.Tracking;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;

namespace PmoLedger.Tests.Credentials;

public class CredentialScenarioTests(AppFixture fixture) : CredentialContext(fixture)
{
    private async Task<(Guid Practitioner, string Email)> Registered()
    {
        var email = $"{Guid.NewGuid():N}@Example.org";
        return (await RegisterPractitioner("Grace Hopper", email), email);
    }

    [Fact]
    public async Task an_award_issues_a_credential_that_an_independent_verifier_accepts_given_only_the_jwks()
    {
        var (id, email) = await Registered();
        var awardedOn = Clock.Today.AddMonths(-2);
        await Award(id, "P3O-F", awardedOn, name: "P3O Foundation");

        var item = (await CredentialsWhen(id, items => items.Length == 1)).Single();
        item.Str("name").ShouldBe("P3O Foundation (P3O-F)");
        item.Str("status").ShouldBe("active");
        item.Str("validFrom").ShouldBe($"{awardedOn:yyyy-MM-dd}");
        item.Str("validUntil").ShouldBe($"{awardedOn.AddYears(3):yyyy-MM-dd}");
        UrlPath(item, "achievementId").ShouldBe("/credentials/achievements/certification-p3o-f");
        var credentialId = item.GetProperty("credentialId").GetGuid();
        UrlPath(item, "url").ShouldBe($"/credentials/{credentialId}");

        var jwks = await Jwks();
        foreach (var key in JsonNode.Parse(jwks)!["keys"]!.AsArray())
        {
            key!.AsObject().Select(p => p.Key).Order().ShouldBe(["alg", "e", "kid", "kty", "n", "use"]);
            key["kty"]!.GetValue<string>().ShouldBe("RSA");
            (Convert.FromBase64String(Pad(key["n"]!.GetValue<string>())).Length * 8).ShouldBeGreaterThanOrEqualTo(2048);
        }

        var jwt = await Jwt(credentialId);
        Jose.JWT.Headers(jwt).Keys.Order().ShouldBe(["alg", "kid", "typ"]);
        Jose.JWT.Headers(jwt)["alg"].ShouldBe("RS256");
        Jose.JWT.Headers(jwt)["typ"].ShouldBe("JWT");
        var payload = DecodeWithJose(jwt, jwks);

        payload["iss"]!.GetValue<string>().ShouldBe(payload["issuer"]!["id"]!.GetValue<string>());
        payload["jti"]!.GetValue<string>().ShouldBe($"urn:uuid:{credentialId}");
        payload["sub"]!.GetValue<string>().ShouldBe(payload["credentialSubject"]!["id"]!.GetValue<string>());
        payload["nbf"]!.GetValue<long>().ShouldBe(DateTimeOffset.Parse(payload["validFrom"]!.GetValue<string>()).ToUnixTimeSeconds());
        payload["exp"]!.GetValue<long>().ShouldBe(DateTimeOffset.Parse(payload["validUntil"]!.GetValue<string>()).ToUnixTimeSeconds());
        payload["validFrom"]!.GetValue<string>().ShouldBe($"{awardedOn:yyyy-MM-dd}T00:00:00Z");
        payload["@context"]!.AsArray().Select(c => c!.GetValue<string>())
            .ShouldBe(["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]);
        payload["type"]!.AsArray().Select(c => c!.GetValue<string>()).ShouldBe(["VerifiableCredential", "OpenBadgeCredential"]);
        new Uri(payload["issuer"]!["id"]!.GetValue<string>()).AbsolutePath.ShouldBe("/credentials/issuer");
        new Uri(payload["credentialSubject"]!["id"]!.GetValue<string>()).AbsolutePath.ShouldStartWith("/credentials/subjects/");

        // A verifier holding the email matches the hash; nothing else in the credential names the person.
        var identifier = payload["credentialSubject"]!["identifier"]!.AsArray().Single()!;
        identifier["identityType"]!.GetValue<string>().ShouldBe("emailAddress");
        identifier["hashed"]!.GetValue<bool>().ShouldBeTrue();
        var salt = identifier["salt"]!.GetValue<string>();
        identifier["identityHash"]!.GetValue<string>().ShouldBe(
            "sha256$" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(email.ToLowerInvariant() + salt))));
        jwt.ShouldNotContain("Grace");
        payload.ToJsonString().ShouldNotContain("Grace");
        payload.ToJsonString().ShouldNotContain(email, Case.Insensitive);

        var achievement = payload["credentialSubject"]!["achievement"]!;
        achievement["criteria"]!["narrative"]!.GetValue<string>().ShouldContain("CertificationAwarded");
        var status = payload["credentialStatus"]!;
        status["type"]!.GetValue<string>().ShouldBe("BitstringStatusListEntry");
        status["statusPurpose"]!.GetValue<string>().ShouldBe("revocation");
        status["id"]!.GetValue<string>().ShouldBe($"{status["statusListCredential"]!.GetValue<string>()}#{status["statusListIndex"]!.GetValue<string>()}");

        var credential = StripClaims(payload);
        var validation = ValidateAgainstOfficialSchema(credential);
        validation.IsValid.ShouldBeTrue(JsonSerializer.Serialize(validation.Details?.Where(d => !d.IsValid).Select(d => new { d.InstanceLocation, d.Errors })));

        // The JSON answer is the signed credential itself.
        var json = await Host.Scenario(s =>
        {
            s.Get.Url($"/credentials/{credentialId}");
            s.WithRequestHeader("Accept", "application/json");
            s.StatusCodeShouldBe(200);
            s.ContentTypeShouldBe("application/json");
        });
        JsonNode.DeepEquals(JsonNode.Parse(await json.ReadAsTextAsync()), credential).ShouldBeTrue();
        var compact = await Host.Scenario(s =>
        {
            s.Get.Url($"/credentials/{credentialId}");
            s.WithRequestHeader("Accept", "application/vc+jwt");
            s.ContentTypeShouldBe("application/vc+jwt");
        });
        (await compact.ReadAsTextAsync()).ShouldBe(jwt);

        var verified = await Verify(jwt);
        verified.GetProperty("verified").GetBoolean().ShouldBeTrue(verified.ToString());
        foreach (var check in new[] { "signature", "issuer", "dates", "status", "schema" })
            verified.GetProperty("checks").GetProperty(check).GetBoolean().ShouldBeTrue(check);
        (await RevokedInStatusList(status["statusListCredential"]!.GetValue<string>(), int.Parse(status["statusListIndex"]!.GetValue<string>()))).ShouldBeFalse();

        var timeline = await TimelineOf(id);
        Entries(timeline, "credential-issued").Single().Str("summary").ShouldContain("P3O Foundation (P3O-F)");
        // Subject access lists them too (privacy.md).
        var export = await Get<JsonElement>($"/api/practitioners/{id}/export");
        export.TryGetProperty("credentials", out var exported).ShouldBeTrue(string.Join(", ", export.EnumerateObject().Select(p => p.Name)));
        exported.EnumerateArray().Single().GetProperty("credentialId").GetGuid().ShouldBe(credentialId);
    }

    [Fact]
    public async Task one_changed_byte_fails_the_independent_verifier_and_the_verify_route()
    {
        var (id, _) = await Registered();
        await Award(id, "P3O-F", Clock.Today.AddDays(-10));
        var credentialId = (await CredentialsWhen(id, items => items.Length == 1)).Single().GetProperty("credentialId").GetGuid();
        var jwt = await Jwt(credentialId);
        var jwks = await Jwks();

        var parts = jwt.Split('.');
        var payload = parts[1].ToCharArray();
        payload[40] = payload[40] == 'A' ? 'B' : 'A';
        var tampered = $"{parts[0]}.{new string(payload)}.{parts[2]}";

        Should.Throw<Jose.IntegrityException>(() => DecodeWithJose(tampered, jwks));
        var verified = await Verify(tampered);
        verified.GetProperty("verified").GetBoolean().ShouldBeFalse();
        verified.GetProperty("checks").GetProperty("signature").GetBoolean().ShouldBeFalse();

        var signature = parts[2].ToCharArray();
        signature[10] = signature[10] == 'A' ? 'B' : 'A';
        var badSignature = await Verify($"{parts[0]}.{parts[1]}.{new string(signature)}");
        badSignature.GetProperty("verified").GetBoolean().ShouldBeFalse();
        badSignature.GetProperty("checks").GetProperty("signature").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task each_kind_of_credential_validates_against_the_official_schema()
    {
        var (id, _) = await Registered();
        var today = Clock.Today;
        // A cycle in its last year with every period met: the certification renews by CPD and the met cycle earns one.
        var start = today.AddYears(-2).AddMonths(-6);
        await Award(id, "P3O-P", start, name: "P3O Practitioner");
        for (var year = 0; year < 3; year++)
        {
            var day = start.AddYears(year).AddDays(20);
            await LogCpd(id, "professional-experience", 5, day);
            await LogCpd(id, "professional-education", 15, day);
        }
        await ChangeRole(id, "manager", today.AddDays(-30));

        var items = await CredentialsWhen(id, items =>
            items.Any(i => i.Str("name").StartsWith("CPD cycle met")) && items.Any(i => i.Str("name").StartsWith("PMO career level"))
            && items.Count(i => i.Str("name") == "P3O Practitioner (P3O-P)") == 2);

        var cpd = items.Single(i => i.Str("name") == "CPD cycle met for P3O-P");
        cpd.Str("validUntil").ShouldBe($"{start.AddYears(6):yyyy-MM-dd}");
        UrlPath(cpd, "achievementId").ShouldBe("/credentials/achievements/cpd-cycle-p3o-p");
        // The award's cycle, and the cycle it renewed into, held from the renewal on (not from its later start).
        items.Where(i => i.Str("name") == "P3O Practitioner (P3O-P)").Select(i => (i.Str("validFrom"), i.Str("validUntil"))).Order()
            .ShouldBe([($"{start:yyyy-MM-dd}", $"{start.AddYears(3):yyyy-MM-dd}"), ($"{today:yyyy-MM-dd}", $"{start.AddYears(6):yyyy-MM-dd}")]);
        UrlPath(items.Single(i => i.Str("name") == "PMO career level: managing"), "achievementId").ShouldBe("/credentials/achievements/career-level-managing");

        var jwks = await Jwks();
        foreach (var item in items)
        {
            var payload = DecodeWithJose(await Jwt(item.GetProperty("credentialId").GetGuid()), jwks);
            var validation = ValidateAgainstOfficialSchema(StripClaims(payload));
            validation.IsValid.ShouldBeTrue($"{item.Str("name")}: {JsonSerializer.Serialize(validation.Details?.Where(d => !d.IsValid).Select(d => new { d.InstanceLocation, d.Errors }))}");
            if (item.TryGetProperty("validUntil", out var until) && until.ValueKind == JsonValueKind.Null) payload["exp"].ShouldBeNull();
            (await Verify(await Jwt(item.GetProperty("credentialId").GetGuid()))).GetProperty("verified").GetBoolean().ShouldBeTrue(item.Str("name"));
        }

        // Settling again finds nothing new to issue.
        var before = await EventCountFor(id);
        await Host.InvokeMessageAndWaitAsync(new PmoLedger.Features.Credentials.SettleCredentials(id));
        (await EventCountFor(id)).ShouldBe(before);
    }

    [Fact]
    public async Task the_relay_hands_over_only_practitioners_still_owed_something()
    {
        // A completion that changes no credential: the request settled nothing, and the relay has nothing to hand over.
        var (plain, _) = await Registered();
        await AppendCompletion(plain, "P3O-F", Clock.Today.AddDays(-1), 7m);
        // An award whose cycle ended long ago is owed yet never issued. The award settles in its own transaction, but a
        // CPD activity logged afterwards is settled by the after-commit listener, so the relay sees that fact: the
        // clock-free check hands the practitioner over, and the message then issues nothing. It shows the count below
        // would see a message if one were sent.
        var (expired, _) = await Registered();
        await Award(expired, "P3O-F", Clock.Today.AddYears(-4));
        await LogCpd(expired, "professional-experience", 1, Clock.Today.AddDays(-1));

        await RelayPassed(await LastSequenceOf(expired));
        (await SettlementMessagesFor(plain)).ShouldBe(0);
        (await SettlementMessagesFor(expired)).ShouldBeGreaterThan(0);
        (await CredentialsWhen(expired, _ => true)).ShouldBeEmpty();
    }

    private async Task<int> SettlementMessagesFor(Guid practitioner)
    {
        await using var session = Store.QuerySession();
        return (await session.QueryAsync<int>(
            "select count(*)::int from ledger.wolverine_incoming_envelopes where message_type like '%SettleCredentials' and encode(body, 'escape') like ?",
            $"%{practitioner}%")).Single();
    }

    [Fact]
    public async Task revoking_an_award_revokes_its_credential_in_the_status_list_and_in_verify_at_once()
    {
        var (id, _) = await Registered();
        var certificationId = await Award(id, "P3O-F", Clock.Today.AddDays(-5));
        var credentialId = (await CredentialsWhen(id, items => items.Length == 1)).Single().GetProperty("credentialId").GetGuid();
        var jwt = await Jwt(credentialId);
        var status = DecodeWithJose(jwt, await Jwks())["credentialStatus"]!;
        var listPath = new Uri(status["statusListCredential"]!.GetValue<string>()).AbsolutePath;
        var before = await StatusListTag(listPath, null, 200);
        // A verifier holding the current copy costs one round trip: the entity tag's inputs, and whether the list exists.
        (await StatusListTagAndRoundTrips(listPath, before, 304)).RoundTrips.ShouldBe(1);

        await As(AdminToken, s =>
        {
            s.Post.Json(new { reason = "Awarded to the wrong person" }).ToUrl($"/api/certifications/{certificationId}/revoke");
            s.StatusCodeShouldBe(204);
        });

        // No waiting: the revocation was recorded with the award's.
        var item = (await Get<JsonElement>($"/api/practitioners/{id}/credentials")).EnumerateArray().Single();
        item.Str("status").ShouldBe("revoked");
        (await RevokedInStatusList(status["statusListCredential"]!.GetValue<string>(), int.Parse(status["statusListIndex"]!.GetValue<string>()))).ShouldBeTrue();
        // A verifier holding the copy from before the revocation is sent the new one, which is then current.
        var after = await StatusListTag(listPath, before, 200);
        after.ShouldNotBe(before);
        await StatusListTag(listPath, after, 304);
        var verified = await Verify(jwt);
        verified.GetProperty("verified").GetBoolean().ShouldBeFalse();
        verified.GetProperty("checks").GetProperty("status").GetBoolean().ShouldBeFalse();
        verified.GetProperty("checks").GetProperty("signature").GetBoolean().ShouldBeTrue();

        var page = await Host.Scenario(s => s.Get.Url($"/credentials/{credentialId}"));
        var html = await page.ReadAsTextAsync();
        html.ShouldContain("data-verified=\"false\"");
        html.ShouldContain("data-status=\"revoked\"");

        // The award stays in history, marked revoked, and counts no more.
        var certification = (await Get<JsonElement>($"/api/practitioners/{id}")).GetProperty("certifications").EnumerateArray().Single();
        certification.Str("status").ShouldBe("revoked");
        var timeline = await TimelineOf(id);
        Entries(timeline, "certification-awarded").Single().Str("status").ShouldBe("revoked");
        Entries(timeline, "certification-revoked").Single().Str("summary").ShouldContain("Awarded to the wrong person");
        (await Ledger(id)).GetProperty("cycles").GetArrayLength().ShouldBe(0);

        // Revoking again changes nothing; the same code may be awarded afresh.
        var events = await EventCountFor(id);
        await As(AdminToken, s =>
        {
            s.Post.Json(new { reason = "again" }).ToUrl($"/api/certifications/{certificationId}/revoke");
            s.StatusCodeShouldBe(204);
        });
        (await EventCountFor(id)).ShouldBe(events);
        await Award(id, "P3O-F", Clock.Today);
    }

    [Fact]
    public async Task a_cpd_cycle_that_is_no_longer_met_loses_its_credential_at_once()
    {
        var (id, _) = await Registered();
        var start = Clock.Today.AddYears(-2).AddMonths(-6);
        await Award(id, "P3O-F", start);
        var completions = new List<Guid>();
        for (var year = 0; year < 3; year++)
        {
            await LogCpd(id, "professional-experience", 5, start.AddYears(year).AddDays(10));
            completions.Add(await AppendCompletion(id, "PMO-101", start.AddYears(year).AddDays(11), 15));
        }
        var cpd = (await CredentialsWhen(id, items => items.Any(i => i.Str("name") == "CPD cycle met for P3O-F")))
            .Single(i => i.Str("name") == "CPD cycle met for P3O-F");
        cpd.Str("status").ShouldBe("active");

        // The provider withdraws the third year's course: that year's CPD is no longer met, nor is the cycle.
        await RevokeCompletion(id, completions[2]);
        var after = (await Get<JsonElement>($"/api/practitioners/{id}/credentials")).EnumerateArray().ToList();
        after.Single(i => i.GetProperty("credentialId").GetGuid() == cpd.GetProperty("credentialId").GetGuid()).Str("status").ShouldBe("revoked");
        after.Where(i => i.Str("name") == "P3O-F certificate (P3O-F)").ShouldAllBe(i => i.Str("status") == "active");
        var verified = await Verify(await Jwt(cpd.GetProperty("credentialId").GetGuid()));
        verified.GetProperty("checks").GetProperty("status").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task revoking_an_award_is_refused_to_other_providers_and_explained_when_malformed()
    {
        var (id, _) = await Registered();
        var certificationId = await Award(id, "P3O-F", Clock.Today.AddDays(-5));
        var provider = await As(AdminToken, s =>
        {
            s.Post.Json(new { name = $"Another Academy {Guid.NewGuid():N}" }).ToUrl("/api/providers");
            s.StatusCodeShouldBe(201);
        });
        var apiKey = (await provider.Json()).Str("apiKey");
        await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", apiKey);
            s.Post.Json(new { reason = "not ours" }).ToUrl($"/api/certifications/{certificationId}/revoke");
            s.StatusCodeShouldBe(403);
        });
        await As(PractitionerToken(id), s =>
        {
            s.Post.Json(new { reason = "mine" }).ToUrl($"/api/certifications/{certificationId}/revoke");
            s.StatusCodeShouldBe(403);
        });
        await As(AdminToken, s =>
        {
            s.Post.Json(new { reason = "x" }).ToUrl($"/api/certifications/{Guid.NewGuid()}/revoke");
            s.StatusCodeShouldBe(404);
        });
        await ShouldBeBadRequest(AdminToken, $"/api/certifications/{certificationId}/revoke", "{}", "reason");
        (await Get<JsonElement>($"/api/practitioners/{id}")).GetProperty("certifications")[0].Str("status").ShouldBe("active");
    }

    [Fact]
    public async Task erasure_revokes_the_credentials_and_withdraws_their_signed_copies()
    {
        var (id, _) = await Registered();
        await Award(id, "P3O-F", Clock.Today.AddDays(-5));
        var credentialId = (await CredentialsWhen(id, items => items.Length == 1)).Single().GetProperty("credentialId").GetGuid();
        var jwt = await Jwt(credentialId);

        await As(AdminToken, s =>
        {
            s.Post.Json(new { reason = "Subject asked to be forgotten" }).ToUrl($"/api/practitioners/{id}/erase");
            s.StatusCodeShouldBe(204);
        });

        (await Get<JsonElement>($"/api/practitioners/{id}/credentials")).EnumerateArray().Single().Str("status").ShouldBe("revoked");
        (await Verify(jwt)).GetProperty("checks").GetProperty("status").GetBoolean().ShouldBeFalse();
        await Host.Scenario(s =>
        {
            s.Get.Url($"/credentials/{credentialId}");
            s.WithRequestHeader("Accept", "application/json");
            s.StatusCodeShouldBe(410);
        });
        await Host.Scenario(s =>
        {
            s.Get.Url($"/credentials/{credentialId}.jwt");
            s.StatusCodeShouldBe(404);
        });
        (await (await Host.Scenario(s => s.Get.Url($"/credentials/{credentialId}"))).ReadAsTextAsync()).ShouldContain("data-status=\"revoked\"");
    }

    [Fact]
    public async Task the_credential_page_shows_the_badge_and_a_live_verification()
    {
        var (id, _) = await Registered();
        await Award(id, "P3O-F", Clock.Today.AddDays(-5), name: "P3O Foundation");
        var credentialId = (await CredentialsWhen(id, items => items.Length == 1)).Single().GetProperty("credentialId").GetGuid();

        var page = await Host.Scenario(s =>
        {
            s.Get.Url($"/credentials/{credentialId}");
            s.WithRequestHeader("Accept", "text/html");
            s.StatusCodeShouldBe(200);
            s.ContentTypeShouldBe("text/html; charset=utf-8");
        });
        var html = await page.ReadAsTextAsync();
        html.ShouldContain("P3O Foundation (P3O-F)");
        html.ShouldContain("data-verified=\"true\"");
        html.ShouldContain($"/credentials/{credentialId}.jwt");
        html.ShouldNotContain("Grace");
    }

    [Fact]
    public async Task the_public_documents_answer_anonymously()
    {
        var (id, _) = await Registered();
        await Award(id, "P3O-F", Clock.Today.AddDays(-5), name: "P3O Foundation");
        await CredentialsWhen(id, items => items.Length == 1);

        var issuer = await Host.Scenario(s =>
        {
            s.Get.Url("/credentials/issuer");
            s.StatusCodeShouldBe(200);
            s.ContentTypeShouldBe("application/json");
        });
        var profile = JsonNode.Parse(await issuer.ReadAsTextAsync())!;
        new Uri(profile["id"]!.GetValue<string>()).AbsolutePath.ShouldBe("/credentials/issuer");
        profile["type"]!.AsArray().Select(t => t!.GetValue<string>()).ShouldContain("Profile");

        var achievement = JsonNode.Parse(await (await Host.Scenario(s => s.Get.Url("/credentials/achievements/certification-p3o-f"))).ReadAsTextAsync())!;
        achievement["name"]!.GetValue<string>().ShouldBe("P3O Foundation (P3O-F)");
        achievement["criteria"]!["narrative"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
        achievement["type"]!.AsArray().Select(t => t!.GetValue<string>()).ShouldContain("Achievement");
        await Host.Scenario(s =>
        {
            s.Get.Url("/credentials/achievements/career-level-directing");
            s.StatusCodeShouldBe(200);
        });
        await Host.Scenario(s =>
        {
            s.Get.Url("/credentials/achievements/certification-nothing-issued");
            s.StatusCodeShouldBe(404);
        });
        await Host.Scenario(s =>
        {
            s.Get.Url("/credentials/status/999");
            s.StatusCodeShouldBe(404);
        });
        await Host.Scenario(s =>
        {
            s.Get.Url("/credentials/status/zero");
            s.StatusCodeShouldBe(404);
        });
        await Host.Scenario(s =>
        {
            s.Get.Url($"/credentials/{Guid.NewGuid()}");
            s.StatusCodeShouldBe(404);
        });
        await Host.Scenario(s =>
        {
            s.Get.Url($"/credentials/{Guid.NewGuid()}.jwt");
            s.StatusCodeShouldBe(404);
        });
    }

    [Fact]
    public async Task verify_explains_bodies_it_cannot_read_and_rejects_what_is_not_a_credential()
    {
        await Host.Scenario(s =>
        {
            s.Post.Json(new { jwt = "x" }).ToUrl("/api/credentials/verify");
            s.StatusCodeShouldBe(415);
            s.ContentTypeShouldBe("application/problem+json");
        });
        var empty = await Host.Scenario(s =>
        {
            s.Post.Text("  ").ToUrl("/api/credentials/verify");
            s.WithRequestHeader("Content-Type", "text/plain");
            s.StatusCodeShouldBe(400);
            s.ContentTypeShouldBe("application/problem+json");
        });
        (await empty.Json()).GetProperty("errors").TryGetProperty("body", out _).ShouldBeTrue();

        var garbage = await Verify("not.a.jws");
        garbage.GetProperty("verified").GetBoolean().ShouldBeFalse();
        foreach (var check in new[] { "signature", "issuer", "dates", "status", "schema" })
            garbage.GetProperty("checks").GetProperty(check).GetBoolean().ShouldBeFalse(check);

        // Signed by a key the issuer never published: the signature check fails whatever the content says.
        var stranger = RSA.Create(2048);
        var header = Convert.ToBase64String(Encoding.UTF8.GetBytes("""{"alg":"RS256","typ":"JWT","kid":"stranger"}""")).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var body = Convert.ToBase64String(Encoding.UTF8.GetBytes("""{"iss":"x"}""")).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var signature = Convert.ToBase64String(stranger.SignData(Encoding.ASCII.GetBytes($"{header}.{body}"), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
        (await Verify($"{header}.{body}.{signature}")).GetProperty("checks").GetProperty("signature").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task a_practitioners_list_is_theirs_and_staffs_only()
    {
        var (id, _) = await Registered();
        var (other, _) = await Registered();
        await As(PractitionerToken(id), s =>
        {
            s.Get.Url($"/api/practitioners/{id}/credentials");
            s.StatusCodeShouldBe(200);
        });
        await As(AuditorToken, s =>
        {
            s.Get.Url($"/api/practitioners/{id}/credentials");
            s.StatusCodeShouldBe(200);
        });
        await As(PractitionerToken(other), s =>
        {
            s.Get.Url($"/api/practitioners/{id}/credentials");
            s.StatusCodeShouldBe(403);
        });
        await Host.Scenario(s =>
        {
            s.Get.Url($"/api/practitioners/{id}/credentials");
            s.StatusCodeShouldBe(401);
        });
        await As(AdminToken, s =>
        {
            s.Get.Url($"/api/practitioners/{Guid.NewGuid()}/credentials");
            s.StatusCodeShouldBe(404);
        });
    }

    private static JsonObject StripClaims(JsonObject payload)
    {
        var credential = (JsonObject)payload.DeepClone();
        foreach (var claim in new[] { "iss", "jti", "sub", "nbf", "exp" }) credential.Remove(claim);
        return credential;
    }

    private static string Pad(string base64Url)
    {
        var s = base64Url.Replace('-', '+').Replace('_', '/');
        return s.PadRight(s.Length + (4 - s.Length % 4) % 4, '=');
    }
}
