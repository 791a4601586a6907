using System.Net;
using System.Text.Json;
using LlmRouter.IntegrationTests.Infrastructure;
using LlmRouter.IntegrationTests.Limits;
using LlmRouter.IntegrationTests.Resilience;

namespace LlmRouter.IntegrationTests.Auth;

/// <summary>Gateway keys on one instance with the in-process store: who gets in, what they may call, what they see.</summary>
public sealed class GatewayKeyTests : IAsyncLifetime
{
    private const string Secret = "llmr-test-alice-0123456789";
    private readonly TenantUpstream _upstream = new();
    private KestrelUpstream _server = null!;

    public async Task InitializeAsync() => _server = await KestrelUpstream.StartAsync(_upstream.HandleAsync);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task NoKeyConfigured_GatewayStaysOpenAndReadyzSaysSo()
    {
        using var gateway = new GatewayApp(Tenants.Catalog(_server.Url));
        using var client = gateway.CreateClient();

        using var response = await Tenants.PostChatAsync(client);
        using var ready = JsonDocument.Parse(await client.GetStringAsync("/readyz"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("open", ready.RootElement.GetProperty("auth").GetString());
        Assert.Equal("in-process", ready.RootElement.GetProperty("limits").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("llmr-wrong")]
    public async Task MissingOrWrongKey_Returns401InvalidApiKeyOnEveryV1Endpoint(string? key)
    {
        using var gateway = new GatewayApp(Tenants.Catalog(_server.Url), Tenants.Key("alice", Secret));
        using var client = Tenants.Client(gateway, key);

        using var chat = await Tenants.PostChatAsync(client);
        using var models = await client.GetAsync("/v1/models");
        using var decide = await client.PostAsync("/v1/router/decide", Tenants.Chat());

        foreach (var response in new[] { chat, models, decide })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("invalid_api_key", (await Tenants.ErrorAsync(response)).GetProperty("code").GetString());
        }

        Assert.Equal(0, _upstream.Requests);
        using var ready = JsonDocument.Parse(await client.GetStringAsync("/readyz"));
        Assert.Equal("keys", ready.RootElement.GetProperty("auth").GetString());
    }

    [Theory]
    [InlineData("Authorization", "Bearer " + Secret)]
    [InlineData("x-api-key", Secret)]
    public async Task ValidKey_InEitherHeader_IsAcceptedAndNeverSentUpstream(string header, string value)
    {
        using var gateway = new GatewayApp(Tenants.Catalog(_server.Url), Tenants.Key("alice", Secret));
        using var client = gateway.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation(header, value);

        using var response = await Tenants.PostChatAsync(client);
        using var models = await client.GetAsync("/v1/models");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
        Assert.Equal(1, _upstream.Requests);
        Assert.DoesNotContain(_upstream.Credentials, c => c.Contains(Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task KeyLimitedToRoutes_OtherModel_Returns403WithoutReachingUpstream()
    {
        var catalog = Tenants.Catalog(_server.Url).Deployment("other", "OpenAI", _server.Url, model: "gpt-4o");
        using var gateway = new GatewayApp(catalog, Tenants.Key("alice", Secret, ("Routes:0", Tenants.Model)));
        using var client = Tenants.Client(gateway, Secret);

        using var allowed = await Tenants.PostChatAsync(client);
        using var refused = await Tenants.PostChatAsync(client, model: "other");

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("model_not_allowed", (await Tenants.ErrorAsync(refused)).GetProperty("code").GetString());
        Assert.Equal(1, _upstream.Requests);
    }

    [Fact]
    public async Task Response_CarriesRateLimitHeadersOfTheTightestLimit()
    {
        var settings = Tenants.Key("alice", Secret, ("RequestsPerMinute", "10"), ("TokensPerMinute", "100000"), ("Team", "blue"))
            .With("LlmRouter:Auth:Teams:blue:RequestsPerMinute", "3");
        using var gateway = new GatewayApp(Tenants.Catalog(_server.Url), settings);
        using var client = Tenants.Client(gateway, Secret);

        using var response = await Tenants.PostChatAsync(client, maxTokens: 50);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("3", response.Headers.GetValues("x-ratelimit-limit-requests").Single());
        Assert.Equal("2", response.Headers.GetValues("x-ratelimit-remaining-requests").Single());
        Assert.Equal("60s", response.Headers.GetValues("x-ratelimit-reset-requests").Single());
        Assert.Equal("100000", response.Headers.GetValues("x-ratelimit-limit-tokens").Single());
        var remainingTokens = long.Parse(response.Headers.GetValues("x-ratelimit-remaining-tokens").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(remainingTokens, 100000 - 50 - 40, 100000 - 50 - 5);
        Assert.EndsWith("s", response.Headers.GetValues("x-ratelimit-reset-tokens").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelsAndDecide_CarryTheSameRateLimitHeadersWithoutCounting()
    {
        using var gateway = new GatewayApp(Tenants.Catalog(_server.Url), Tenants.Key("alice", Secret, ("RequestsPerMinute", "10")));
        using var client = Tenants.Client(gateway, Secret);
        using (var chat = await Tenants.PostChatAsync(client))
        {
            Assert.Equal("9", chat.Headers.GetValues("x-ratelimit-remaining-requests").Single());
        }

        using var models = await client.GetAsync("/v1/models");
        using var decide = await client.PostAsync("/v1/router/decide", Tenants.Chat());

        foreach (var response in new[] { models, decide })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("10", response.Headers.GetValues("x-ratelimit-limit-requests").Single());
            Assert.Equal("9", response.Headers.GetValues("x-ratelimit-remaining-requests").Single());
            Assert.InRange(int.Parse(response.Headers.GetValues("x-ratelimit-reset-requests").Single().TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture), 55, 60);
        }
    }

    [Fact]
    public async Task RequestsPerMinute5_TwelveConcurrent_ExactlyFiveAcceptedOthersGet429WithRetryAfter()
    {
        using var gateway = new GatewayApp(Tenants.Catalog(_server.Url), Tenants.Key("alice", Secret, ("RequestsPerMinute", "5")));
        using var client = Tenants.Client(gateway, Secret);

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Tenants.PostChatAsync(client)));

        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        var refused = responses.First(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        var error = await Tenants.ErrorAsync(refused);
        Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
        Assert.Contains("key `alice`", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.InRange(int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 60);
        Assert.Equal(5, _upstream.Requests);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task TeamLimit_SharedByEveryKeyOfTheTeam()
    {
        var settings = Tenants.Key("alice", Secret, ("Team", "blue"))
            .With("LlmRouter:Auth:Keys:bob:Hash", LlmRouter.Auth.KeyHash.Of("bob-secret"))
            .With("LlmRouter:Auth:Keys:bob:Team", "blue")
            .With("LlmRouter:Auth:Teams:blue:RequestsPerMinute", "2");
        using var gateway = new GatewayApp(Tenants.Catalog(_server.Url), settings);
        using var alice = Tenants.Client(gateway, Secret);
        using var bob = Tenants.Client(gateway, "bob-secret");

        using var first = await Tenants.PostChatAsync(alice);
        using var second = await Tenants.PostChatAsync(bob);
        using var third = await Tenants.PostChatAsync(bob);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Contains("team `blue`", (await Tenants.ErrorAsync(third)).GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RuntimeKey_CreatedListedAndRevoked_WithoutRedisLivesInMemory()
    {
        using var gateway = new GatewayApp(Tenants.Catalog(_server.Url), Tenants.Key("alice", Secret));
        using var admin = gateway.CreateClient();
        admin.DefaultRequestHeaders.Add("x-llmrouter-admin-key", Tenants.AdminKey);

        using var created = await admin.PostAsync("/admin/keys", new StringContent("""{"name":"ci-bot","team":"blue","requestsPerMinute":100,"budgetUsd":5,"budgetWindow":"Day"}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var key = body.RootElement.GetProperty("key").GetString()!;
        Assert.StartsWith("llmr-", key, StringComparison.Ordinal);
        Assert.True(key.Length >= 5 + 43);

        using var client = Tenants.Client(gateway, key);
        using (var ok = await Tenants.PostChatAsync(client))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        var listing = await admin.GetStringAsync("/admin/keys");
        Assert.DoesNotContain(key, listing, StringComparison.Ordinal);
        Assert.DoesNotContain("sha256:", listing, StringComparison.Ordinal);
        Assert.Equal(1, (await Tenants.KeyUsageAsync(gateway, "ci-bot")).GetProperty("totalRequests").GetInt64());

        using var revoked = await admin.DeleteAsync("/admin/keys/ci-bot");
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        using var refused = await Tenants.PostChatAsync(client);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Theory]
    [InlineData("""{"team":"blue"}""")]
    [InlineData("""{"name":"bad name"}""")]
    [InlineData("""{"name":"x","requestsPerMinute":0}""")]
    [InlineData("""{"name":"x","routes":["nope"]}""")]
    [InlineData("""{"name":"alice"}""")]
    [InlineData("not json")]
    public async Task CreateKey_InvalidBody_Returns400(string json)
    {
        using var gateway = new GatewayApp(Tenants.Catalog(_server.Url), Tenants.Key("alice", Secret));
        using var admin = gateway.CreateClient();
        admin.DefaultRequestHeaders.Add("x-llmrouter-admin-key", Tenants.AdminKey);

        using var response = await admin.PostAsync("/admin/keys", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", (await Tenants.ErrorAsync(response)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task AdminKeys_WithoutAdminKey_Returns401()
    {
        using var gateway = new GatewayApp(Tenants.Catalog(_server.Url), Tenants.Key("alice", Secret));
        using var client = Tenants.Client(gateway, Secret);

        using var response = await client.PostAsync("/admin/keys", new StringContent("""{"name":"x"}""", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
