using LlmRouter.Hosting;
using LlmRouter.Routing;
using Microsoft.Extensions.Options;

namespace LlmRouter.Configuration;

/// <summary>Checks the catalog for mistakes an operator can fix, with messages that name the key.</summary>
internal sealed class LlmRouterOptionsValidator : IValidateOptions<LlmRouterOptions>
{
    public ValidateOptionsResult Validate(string? name, LlmRouterOptions options)
    {
        var errors = new List<string>();
        const string Root = LlmRouterOptions.SectionName;

        if (options.MaxRequestBodyBytes <= 0)
        {
            errors.Add($"{Root}:MaxRequestBodyBytes must be positive.");
        }

        ValidateLimits(options.Limits, errors);

        if (options.Deployments.Count == 0)
        {
            errors.Add($"{Root}:Deployments is empty: configure at least one deployment.");
        }

        foreach (var (id, deployment) in options.Deployments)
        {
            var key = $"{Root}:Deployments:{id}";
            if (!Enum.IsDefined(deployment.Provider))
            {
                errors.Add($"{key}:Provider '{deployment.Provider}' is not one of OpenAI, Anthropic, Gemini.");
            }

            if (!string.Equals(deployment.BaseUrl, DeploymentOptions.Simulated, StringComparison.OrdinalIgnoreCase)
                && (!Uri.TryCreate(deployment.BaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
            {
                errors.Add($"{key}:BaseUrl '{deployment.BaseUrl}' must be an absolute http(s) URL or 'simulated'.");
            }

            if (deployment.Weight < 0)
            {
                errors.Add($"{key}:Weight must be 0 or more (0 drains the deployment).");
            }

            if (deployment.DefaultMaxTokens <= 0)
            {
                errors.Add($"{key}:DefaultMaxTokens must be positive.");
            }

            foreach (var (dimension, score) in deployment.Profile)
            {
                if (score is < 0 or > 100 || double.IsNaN(score))
                {
                    errors.Add($"{key}:Profile:{dimension} must be between 0 and 100 (was {score}).");
                }
            }

            if (deployment.RequestsPerMinute is <= 0 || deployment.TokensPerMinute is <= 0)
            {
                errors.Add($"{key}:RequestsPerMinute and TokensPerMinute must be positive when set.");
            }

            if (deployment.Pricing.CachedInputPerMillion is < 0)
            {
                errors.Add($"{key}:Pricing:CachedInputPerMillion must not be negative.");
            }

            var sim = deployment.Simulation;
            if (sim.ErrorRate is < 0 or > 1 || sim.LatencyMs < 0 || sim.TimeToFirstTokenMs < 0 || sim.TokensPerSecond < 0)
            {
                errors.Add($"{key}:Simulation needs ErrorRate in [0,1] and non-negative LatencyMs, TimeToFirstTokenMs, TokensPerSecond.");
            }
        }

        var breaker = options.CircuitBreaker;
        if (breaker.FailureRatio is <= 0 or > 1 || breaker.MinimumThroughput < 2 || breaker.SamplingDurationSeconds < 0.5 || breaker.BreakDurationSeconds < 0.5)
        {
            errors.Add($"{Root}:CircuitBreaker needs FailureRatio in (0,1], MinimumThroughput >= 2, SamplingDurationSeconds and BreakDurationSeconds >= 0.5.");
        }

        if (options.ShutdownDrainSeconds < 0)
        {
            errors.Add($"{Root}:ShutdownDrainSeconds must not be negative.");
        }

        if (!string.IsNullOrEmpty(options.InstanceName) && !InstanceHeaderMiddleware.IsValidName(options.InstanceName))
        {
            errors.Add($"{Root}:InstanceName must be 1-{InstanceHeaderMiddleware.MaxNameLength} characters of A-Z, a-z, 0-9, '.', '_', '-' (it is sent as a response header).");
        }

        foreach (var (routeName, route) in options.Routes)
        {
            var key = $"{Root}:Routes:{routeName}";
            if (!PolicyNames.TryResolve(route.Policy, out _))
            {
                errors.Add($"{key}:Policy '{route.Policy}' is unknown; use one of {string.Join(", ", PolicyNames.ShortNames)}.");
            }

            if (route.Deployments.Count == 0)
            {
                errors.Add($"{key}:Deployments is empty.");
            }

            foreach (var member in route.Deployments.Concat(route.Fallbacks))
            {
                if (!options.Deployments.ContainsKey(member))
                {
                    errors.Add($"{key} names deployment '{member}', which is not under {Root}:Deployments.");
                }
            }

            if (route.TieBreaker is not null && !PolicyNames.TryResolve(route.TieBreaker, out _))
            {
                errors.Add($"{key}:TieBreaker '{route.TieBreaker}' is unknown.");
            }

            if (route.LoadFactor < 1)
            {
                errors.Add($"{key}:LoadFactor must be at least 1 (was {route.LoadFactor}).");
            }

            if (route.LiveWeight is < 0 or > 1)
            {
                errors.Add($"{key}:LiveWeight must be between 0 and 1.");
            }

            var resilience = route.Resilience;
            if (resilience.MaxAttempts is < 1 or > 10)
            {
                errors.Add($"{key}:Resilience:MaxAttempts must be between 1 and 10.");
            }

            if (resilience.TotalTimeoutSeconds <= 0 || resilience.TimeToFirstTokenTimeoutSeconds <= 0 || resilience.StreamIdleTimeoutSeconds <= 0
                || resilience.BackoffMilliseconds < 0 || resilience.RetrySameDeploymentWithinSeconds < 0)
            {
                errors.Add($"{key}:Resilience timeouts must be positive and BackoffMilliseconds, RetrySameDeploymentWithinSeconds not negative.");
            }
        }

        ValidateAuth(options, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateLimits(LimitsOptions limits, List<string> errors)
    {
        const string Key = LlmRouterOptions.SectionName + ":Limits";
        if (limits.MaxBufferedRequestBytes <= 0)
        {
            errors.Add($"{Key}:MaxBufferedRequestBytes must be positive (was {limits.MaxBufferedRequestBytes}).");
        }

        if (limits.MaxClassifiedPromptChars <= 0)
        {
            errors.Add($"{Key}:MaxClassifiedPromptChars must be positive (was {limits.MaxClassifiedPromptChars}).");
        }

        if (limits.MaxUpstreamResponseBytes <= 0)
        {
            errors.Add($"{Key}:MaxUpstreamResponseBytes must be positive (was {limits.MaxUpstreamResponseBytes}).");
        }

        if (limits.MaxUpstreamEventBytes <= 0)
        {
            errors.Add($"{Key}:MaxUpstreamEventBytes must be positive (was {limits.MaxUpstreamEventBytes}).");
        }

        // NaN fails every comparison, so the checks are written to reject it too.
        if (!(limits.MaxRetryAfterSeconds > 0) || double.IsInfinity(limits.MaxRetryAfterSeconds))
        {
            errors.Add($"{Key}:MaxRetryAfterSeconds must be a positive number of seconds (was {limits.MaxRetryAfterSeconds}).");
        }

        if (!(limits.AuthenticationFailureCooldownSeconds > 0) || double.IsInfinity(limits.AuthenticationFailureCooldownSeconds))
        {
            errors.Add($"{Key}:AuthenticationFailureCooldownSeconds must be a positive number of seconds (was {limits.AuthenticationFailureCooldownSeconds}).");
        }
    }

    private static void ValidateAuth(LlmRouterOptions options, List<string> errors)
    {
        const string Root = LlmRouterOptions.SectionName + ":Auth";
        var auth = options.Auth;
        if (auth.DefaultCompletionTokens <= 0)
        {
            errors.Add($"{Root}:DefaultCompletionTokens must be positive.");
        }

        if (auth.LeaseSeconds < 1)
        {
            errors.Add($"{Root}:LeaseSeconds must be at least 1.");
        }

        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, key) in auth.Keys)
        {
            var path = $"{Root}:Keys:{name}";
            if (!TenantLimitsRules.IsValidName(name))
            {
                errors.Add($"{path}: key names use letters, digits, '.', '_' or '-' (at most 64).");
            }

            if (!TenantLimitsRules.IsValidHash(key.Hash))
            {
                errors.Add($"{path}:Hash must be 'sha256:' followed by 64 lowercase hex digits (printf %s \"$KEY\" | sha256sum); never the key itself.");
            }
            else if (!hashes.TryAdd(key.Hash!, name))
            {
                errors.Add($"{path}:Hash is the same as {Root}:Keys:{hashes[key.Hash!]}:Hash; each key needs its own.");
            }

            if (key.Team is not null && !TenantLimitsRules.IsValidName(key.Team))
            {
                errors.Add($"{path}:Team uses letters, digits, '.', '_' or '-' (at most 64).");
            }

            foreach (var route in key.Routes)
            {
                if (!options.Routes.ContainsKey(route) && !options.Deployments.ContainsKey(route))
                {
                    errors.Add($"{path}:Routes names '{route}', which is neither a route nor a deployment.");
                }
            }

            TenantLimitsRules.Check(path, key, errors);
        }

        foreach (var (team, limits) in auth.Teams)
        {
            var path = $"{Root}:Teams:{team}";
            if (!TenantLimitsRules.IsValidName(team))
            {
                errors.Add($"{path}: team names use letters, digits, '.', '_' or '-' (at most 64).");
            }

            TenantLimitsRules.Check(path, limits, errors);
        }
    }
}
