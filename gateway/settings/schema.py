"""Which config keys the gateway implements, and which LiteLLM keys it knowingly ignores."""

from __future__ import annotations

from .general import GeneralSettings, JwtAuth
from .litellm import LiteLLMSettings
from .model_list import LiteLLMParams

TOP_LEVEL = frozenset({"model_list", "general_settings", "litellm_settings", "environment_variables"})
# LiteLLM sections the gateway reads nothing from: reported once as ignored.
TOP_LEVEL_IGNORED = frozenset(
    {
        "router_settings",
        "credential_list",
        "guardrails",
        "include",
        "mcp_servers",
        "callback_settings",
        "files_settings",
        "finetune_settings",
        "assistant_settings",
        "vector_store_registry",
        "search_tools",
        "prompts",
    }
)

# litellm_settings keys the gateway implements (the fields of settings/litellm.py's model); every
# other key there is reported as ignored.
LITELLM_SETTINGS = frozenset(LiteLLMSettings.model_fields)

# general_settings keys the gateway implements: the fields of settings/general.py's model.
GENERAL = frozenset(GeneralSettings.model_fields)

# general_settings keys that LiteLLM knows and the gateway does not implement.
GENERAL_IGNORED = frozenset(
    {
        "admin_only_routes",
        "alert_to_webhook_url",
        "alerting_args",
        "alerting_threshold",
        "allow_requests_on_db_unavailable",
        "allowed_routes",
        "background_health_checks",
        "completion_model",
        "custom_key_generate",
        "custom_sso",
        "database_connection_pool_limit",
        "database_connection_timeout",
        "disable_adding_master_key_hash_to_db",
        "disable_error_logs",
        "disable_master_key_return",
        "disable_prisma_schema_update",
        "disable_reset_budget",
        "disable_retry_on_max_parallel_request_limit_error",
        "disable_spend_logs",
        "disable_spend_updates",
        "embedding_model",
        "enable_oauth2_auth",
        "enable_oauth2_proxy_auth",
        "enforce_user_param",
        "forward_client_headers_to_llm_api",
        "forward_openai_org_id",
        "global_max_parallel_requests",
        "health_check_details",
        "health_check_interval",
        "image_generation_model",
        "infer_model_from_keys",
        "key_generation_settings",
        "key_management_settings",
        "key_management_system",
        "max_parallel_requests",
        "maximum_spend_logs_retention_interval",
        "maximum_spend_logs_retention_period",
        "moderation_model",
        "oauth2_config_mappings",
        "pass_through_endpoints",
        "proxy_batch_write_at",
        "proxy_budget_rescheduler_max_time",
        "proxy_budget_rescheduler_min_time",
        "public_routes",
        "redact_user_api_key_info",
        "service_account_settings",
        "store_audit_logs",
        "store_model_in_db",
        "store_prompts_in_spend_logs",
        "supported_db_objects",
        "use_client_credentials_pass_through_routes",
        "use_redis_transaction_buffer",
        "use_x_forwarded_for",
        "user_header_name",
        "user_header_mappings",
    }
)

# litellm_params the gateway implements: the fields of settings/model_list.py's model.
LITELLM_PARAMS = frozenset(LiteLLMParams.model_fields)

# litellm_params LiteLLM accepts (routing hints, provider knobs, default completion
# kwargs) that the gateway does not act on.
LITELLM_PARAMS_IGNORED = frozenset(
    {
        "aws_access_key_id",
        "aws_region_name",
        "aws_secret_access_key",
        "budget_duration",
        "cache_control_injection_points",
        "custom_llm_provider",
        "drop_params",
        "extra_body",
        "extra_headers",
        "frequency_penalty",
        "headers",
        "input_cost_per_second",
        "litellm_credential_name",
        "max_budget",
        "max_completion_tokens",
        "max_retries",
        "max_tokens",
        "merge_reasoning_content_in_choices",
        "mock_timeout",
        "num_retries",
        "order",
        "output_cost_per_second",
        "presence_penalty",
        "region_name",
        "rpm",
        "seed",
        "stop",
        "tags",
        "temperature",
        "top_p",
        "tpm",
        "use_in_pass_through",
        "vertex_credentials",
        "vertex_location",
        "vertex_project",
        "weight",
    }
)

# litellm_jwtauth fields LiteLLM knows that the model accepts (checked) but the gateway does not
# build: reported as ignored when present. The ones that would narrow access are refused instead
# when set (general.UNBUILT_RESTRICTIONS), so only their inert values get here.
JWT_AUTH_IGNORED = frozenset(
    {
        "custom_validate",
        "enforce_scope_based_access",
        "jwt_litellm_role_map",
        "object_id_jwt_field",
        "public_allowed_routes",
        "scope_mappings",
        "sync_user_role_and_teams",
        "upsert_sso_user_to_team",
    }
)
JWT_AUTH = frozenset(JwtAuth.model_fields) - JWT_AUTH_IGNORED
