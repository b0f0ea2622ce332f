"""Contains all the data models used in inputs/outputs"""

from .access_programs import AccessPrograms
from .access_programs_cyber_type_1 import AccessProgramsCyberType1
from .access_programs_cyber_type_2_type_1 import AccessProgramsCyberType2Type1
from .access_programs_cyber_type_3_type_1 import AccessProgramsCyberType3Type1
from .allowed_tools import AllowedTools
from .allowed_tools_choice import AllowedToolsChoice
from .allowed_tools_mode import AllowedToolsMode
from .background_options import BackgroundOptions
from .background_options_completion_window_type_1 import BackgroundOptionsCompletionWindowType1
from .background_options_completion_window_type_2_type_1 import (
    BackgroundOptionsCompletionWindowType2Type1,
)
from .background_options_completion_window_type_3_type_1 import (
    BackgroundOptionsCompletionWindowType3Type1,
)
from .benchmark_list import BenchmarkList
from .benchmark_object import BenchmarkObject
from .benchmark_object_mode import BenchmarkObjectMode
from .benchmark_object_style import BenchmarkObjectStyle
from .benchmark_progress import BenchmarkProgress
from .benchmark_run_list import BenchmarkRunList
from .benchmark_run_object import BenchmarkRunObject
from .benchmark_run_object_metadata_type_0 import BenchmarkRunObjectMetadataType0
from .benchmark_run_object_status import BenchmarkRunObjectStatus
from .benchmark_sampling_params import BenchmarkSamplingParams
from .chat_choice import ChatChoice
from .chat_completion import ChatCompletion
from .chat_completion_request import ChatCompletionRequest
from .chat_completion_request_audio_type_0 import ChatCompletionRequestAudioType0
from .chat_completion_request_chat_template_kwargs_type_0 import (
    ChatCompletionRequestChatTemplateKwargsType0,
)
from .chat_completion_request_function_call_type_0 import ChatCompletionRequestFunctionCallType0
from .chat_completion_request_logit_bias_type_0 import ChatCompletionRequestLogitBiasType0
from .chat_completion_request_metadata_type_0 import ChatCompletionRequestMetadataType0
from .chat_completion_request_modalities_type_0_item import ChatCompletionRequestModalitiesType0Item
from .chat_completion_request_moderation_type_0 import ChatCompletionRequestModerationType0
from .chat_completion_request_prompt_cache_retention_type_1 import (
    ChatCompletionRequestPromptCacheRetentionType1,
)
from .chat_completion_request_prompt_cache_retention_type_2_type_1 import (
    ChatCompletionRequestPromptCacheRetentionType2Type1,
)
from .chat_completion_request_prompt_cache_retention_type_3_type_1 import (
    ChatCompletionRequestPromptCacheRetentionType3Type1,
)
from .chat_completion_request_reasoning_effort_type_1 import (
    ChatCompletionRequestReasoningEffortType1,
)
from .chat_completion_request_reasoning_effort_type_2_type_1 import (
    ChatCompletionRequestReasoningEffortType2Type1,
)
from .chat_completion_request_reasoning_effort_type_3_type_1 import (
    ChatCompletionRequestReasoningEffortType3Type1,
)
from .chat_completion_request_service_tier_type_1 import ChatCompletionRequestServiceTierType1
from .chat_completion_request_service_tier_type_2_type_1 import (
    ChatCompletionRequestServiceTierType2Type1,
)
from .chat_completion_request_service_tier_type_3_type_1 import (
    ChatCompletionRequestServiceTierType3Type1,
)
from .chat_completion_request_tool_choice_type_0 import ChatCompletionRequestToolChoiceType0
from .chat_completion_request_verbosity_type_1 import ChatCompletionRequestVerbosityType1
from .chat_completion_request_verbosity_type_2_type_1 import (
    ChatCompletionRequestVerbosityType2Type1,
)
from .chat_completion_request_verbosity_type_3_type_1 import (
    ChatCompletionRequestVerbosityType3Type1,
)
from .chat_completion_request_web_search_options_type_0 import (
    ChatCompletionRequestWebSearchOptionsType0,
)
from .chat_logprobs import ChatLogprobs
from .chat_message import ChatMessage
from .chat_message_audio_type_0 import ChatMessageAudioType0
from .chat_message_role import ChatMessageRole
from .chat_response_message import ChatResponseMessage
from .chat_token_logprob import ChatTokenLogprob
from .checkpoint_list import CheckpointList
from .checkpoint_metrics import CheckpointMetrics
from .checkpoint_object import CheckpointObject
from .code_interpreter_call_item import CodeInterpreterCallItem
from .code_interpreter_call_item_status import CodeInterpreterCallItemStatus
from .code_interpreter_logs import CodeInterpreterLogs
from .code_interpreter_tool_choice import CodeInterpreterToolChoice
from .code_interpreter_tool_param import CodeInterpreterToolParam
from .completion import Completion
from .completion_choice import CompletionChoice
from .completion_logprobs import CompletionLogprobs
from .completion_logprobs_top_logprobs_item_type_0 import CompletionLogprobsTopLogprobsItemType0
from .completion_request import CompletionRequest
from .completion_request_logit_bias_type_0 import CompletionRequestLogitBiasType0
from .completion_tokens_details import CompletionTokensDetails
from .completions_data_source import CompletionsDataSource
from .container_auto import ContainerAuto
from .container_auto_memory_limit_type_1 import ContainerAutoMemoryLimitType1
from .container_auto_memory_limit_type_2_type_1 import ContainerAutoMemoryLimitType2Type1
from .container_auto_memory_limit_type_3_type_1 import ContainerAutoMemoryLimitType3Type1
from .context_management import ContextManagement
from .conversation_ref import ConversationRef
from .create_benchmark_run_request import CreateBenchmarkRunRequest
from .create_benchmark_run_request_metadata_type_0 import CreateBenchmarkRunRequestMetadataType0
from .create_dataset_files_body import CreateDatasetFilesBody
from .create_dataset_files_body_pipeline import CreateDatasetFilesBodyPipeline
from .create_dataset_json_body import CreateDatasetJsonBody
from .create_dataset_json_body_overrides import CreateDatasetJsonBodyOverrides
from .create_dataset_json_body_overrides_additional_property import (
    CreateDatasetJsonBodyOverridesAdditionalProperty,
)
from .create_dataset_json_body_pipeline import CreateDatasetJsonBodyPipeline
from .create_eval_request import CreateEvalRequest
from .create_eval_request_metadata_type_0 import CreateEvalRequestMetadataType0
from .create_file_body import CreateFileBody
from .create_file_body_purpose import CreateFileBodyPurpose
from .create_job_request import CreateJobRequest
from .create_job_request_metadata_type_0 import CreateJobRequestMetadataType0
from .create_key_request import CreateKeyRequest
from .create_key_request_scope import CreateKeyRequestScope
from .create_run_request import CreateRunRequest
from .create_run_request_metadata_type_0 import CreateRunRequestMetadataType0
from .criterion_result import CriterionResult
from .custom_data_source_config import CustomDataSourceConfig
from .custom_data_source_config_item_schema import CustomDataSourceConfigItemSchema
from .custom_data_source_config_object import CustomDataSourceConfigObject
from .custom_data_source_config_object_schema import CustomDataSourceConfigObjectSchema
from .dataset_error import DatasetError
from .dataset_list import DatasetList
from .dataset_object import DatasetObject
from .dataset_object_overrides import DatasetObjectOverrides
from .dataset_object_overrides_additional_property import DatasetObjectOverridesAdditionalProperty
from .dataset_object_status import DatasetObjectStatus
from .dataset_report import DatasetReport
from .dataset_report_settings import DatasetReportSettings
from .dataset_report_settings_additional_property import DatasetReportSettingsAdditionalProperty
from .detokenize_request import DetokenizeRequest
from .detokenize_response import DetokenizeResponse
from .dpo_hyperparameters import DpoHyperparameters
from .dpo_method import DpoMethod
from .embedding import Embedding
from .embedding_list import EmbeddingList
from .embedding_request import EmbeddingRequest
from .embedding_request_encoding_format import EmbeddingRequestEncodingFormat
from .embedding_usage import EmbeddingUsage
from .error_info import ErrorInfo
from .error_response import ErrorResponse
from .eval_deleted import EvalDeleted
from .eval_error import EvalError
from .eval_list import EvalList
from .eval_object import EvalObject
from .eval_object_metadata_type_0 import EvalObjectMetadataType0
from .event_list import EventList
from .event_object import EventObject
from .event_object_data_type_0 import EventObjectDataType0
from .event_object_level import EventObjectLevel
from .event_object_type import EventObjectType
from .example import Example
from .file_content_source import FileContentSource
from .file_deleted import FileDeleted
from .file_id_source import FileIdSource
from .file_list import FileList
from .file_object import FileObject
from .file_object_status import FileObjectStatus
from .function_call import FunctionCall
from .function_call_item import FunctionCallItem
from .function_call_item_status import FunctionCallItemStatus
from .function_call_param import FunctionCallParam
from .function_choice import FunctionChoice
from .function_definition import FunctionDefinition
from .function_definition_parameters_type_0 import FunctionDefinitionParametersType0
from .function_tool_choice import FunctionToolChoice
from .function_tool_param import FunctionToolParam
from .function_tool_param_parameters_type_0 import FunctionToolParamParametersType0
from .grade_result import GradeResult
from .grade_result_sample_type_0 import GradeResultSampleType0
from .hanlin_options import HanlinOptions
from .hanlin_options_visibility import HanlinOptionsVisibility
from .hanlin_options_zero_stage_type_1 import HanlinOptionsZeroStageType1
from .hanlin_options_zero_stage_type_2_type_1 import HanlinOptionsZeroStageType2Type1
from .hanlin_options_zero_stage_type_3_type_1 import HanlinOptionsZeroStageType3Type1
from .health_response_200 import HealthResponse200
from .hyperparameters import Hyperparameters
from .image_options import ImageOptions
from .image_options_context_compression_type_1 import ImageOptionsContextCompressionType1
from .image_options_context_compression_type_2_type_1 import (
    ImageOptionsContextCompressionType2Type1,
)
from .image_options_context_compression_type_3_type_1 import (
    ImageOptionsContextCompressionType3Type1,
)
from .incomplete_details import IncompleteDetails
from .input_item_list import InputItemList
from .input_item_list_data_item import InputItemListDataItem
from .input_tokens_details import InputTokensDetails
from .invoke_request import InvokeRequest
from .invoke_request_arguments_type_0 import InvokeRequestArgumentsType0
from .invoke_result import InvokeResult
from .item_reference_input import ItemReferenceInput
from .job_error import JobError
from .job_list import JobList
from .job_object import JobObject
from .job_object_hanlin import JobObjectHanlin
from .job_object_hyperparameters import JobObjectHyperparameters
from .job_object_metadata_type_0 import JobObjectMetadataType0
from .job_object_method import JobObjectMethod
from .job_object_status import JobObjectStatus
from .json_object_format import JSONObjectFormat
from .json_schema_format import JSONSchemaFormat
from .json_schema_format_schema_type_0 import JSONSchemaFormatSchemaType0
from .json_schema_response_format import JSONSchemaResponseFormat
from .jsonl_data_source import JsonlDataSource
from .key_list import KeyList
from .key_object import KeyObject
from .label_model_grader import LabelModelGrader
from .label_model_grader_input_item import LabelModelGraderInputItem
from .legacy_function import LegacyFunction
from .legacy_function_choice import LegacyFunctionChoice
from .legacy_function_parameters_type_0 import LegacyFunctionParametersType0
from .list_benchmark_runs_order import ListBenchmarkRunsOrder
from .list_benchmark_runs_status_type_1 import ListBenchmarkRunsStatusType1
from .list_benchmark_runs_status_type_2_type_1 import ListBenchmarkRunsStatusType2Type1
from .list_benchmark_runs_status_type_3_type_1 import ListBenchmarkRunsStatusType3Type1
from .list_eval_run_output_items_order import ListEvalRunOutputItemsOrder
from .list_eval_run_output_items_status_type_1 import ListEvalRunOutputItemsStatusType1
from .list_eval_run_output_items_status_type_2_type_1 import ListEvalRunOutputItemsStatusType2Type1
from .list_eval_run_output_items_status_type_3_type_1 import ListEvalRunOutputItemsStatusType3Type1
from .list_eval_runs_order import ListEvalRunsOrder
from .list_eval_runs_status_type_1 import ListEvalRunsStatusType1
from .list_eval_runs_status_type_2_type_1 import ListEvalRunsStatusType2Type1
from .list_eval_runs_status_type_3_type_1 import ListEvalRunsStatusType3Type1
from .list_evals_order import ListEvalsOrder
from .list_evals_order_by import ListEvalsOrderBy
from .list_files_order import ListFilesOrder
from .list_input_items_order import ListInputItemsOrder
from .logs_data_source_config import LogsDataSourceConfig
from .logs_data_source_config_metadata_type_0 import LogsDataSourceConfigMetadataType0
from .method import Method
from .method_type import MethodType
from .metric_value import MetricValue
from .model import Model
from .model_deleted import ModelDeleted
from .model_list import ModelList
from .model_update import ModelUpdate
from .model_update_visibility import ModelUpdateVisibility
from .model_usage import ModelUsage
from .model_visibility_type_1 import ModelVisibilityType1
from .model_visibility_type_2_type_1 import ModelVisibilityType2Type1
from .model_visibility_type_3_type_1 import ModelVisibilityType3Type1
from .named_tool_choice import NamedToolChoice
from .output_item_list import OutputItemList
from .output_item_object import OutputItemObject
from .output_item_object_datasource_item import OutputItemObjectDatasourceItem
from .output_item_object_status import OutputItemObjectStatus
from .output_message import OutputMessage
from .output_message_status import OutputMessageStatus
from .output_text import OutputText
from .output_text_annotations_item import OutputTextAnnotationsItem
from .output_text_logprobs_item import OutputTextLogprobsItem
from .output_tokens_details import OutputTokensDetails
from .prediction import Prediction
from .produced_file import ProducedFile
from .prompt_cache_options import PromptCacheOptions
from .prompt_cache_options_mode_type_1 import PromptCacheOptionsModeType1
from .prompt_cache_options_mode_type_2_type_1 import PromptCacheOptionsModeType2Type1
from .prompt_cache_options_mode_type_3_type_1 import PromptCacheOptionsModeType3Type1
from .prompt_cache_options_ttl_type_1 import PromptCacheOptionsTtlType1
from .prompt_cache_options_ttl_type_2_type_1 import PromptCacheOptionsTtlType2Type1
from .prompt_cache_options_ttl_type_3_type_1 import PromptCacheOptionsTtlType3Type1
from .prompt_tokens_details import PromptTokensDetails
from .python_grader import PythonGrader
from .reason_report import ReasonReport
from .reasoning_item import ReasoningItem
from .reasoning_item_status import ReasoningItemStatus
from .reasoning_item_summary_item import ReasoningItemSummaryItem
from .reasoning_param import ReasoningParam
from .reasoning_param_context_type_1 import ReasoningParamContextType1
from .reasoning_param_context_type_2_type_1 import ReasoningParamContextType2Type1
from .reasoning_param_context_type_3_type_1 import ReasoningParamContextType3Type1
from .reasoning_param_effort_type_1 import ReasoningParamEffortType1
from .reasoning_param_effort_type_2_type_1 import ReasoningParamEffortType2Type1
from .reasoning_param_effort_type_3_type_1 import ReasoningParamEffortType3Type1
from .reasoning_param_generate_summary_type_1 import ReasoningParamGenerateSummaryType1
from .reasoning_param_generate_summary_type_2_type_1 import ReasoningParamGenerateSummaryType2Type1
from .reasoning_param_generate_summary_type_3_type_1 import ReasoningParamGenerateSummaryType3Type1
from .reasoning_param_summary_type_1 import ReasoningParamSummaryType1
from .reasoning_param_summary_type_2_type_1 import ReasoningParamSummaryType2Type1
from .reasoning_param_summary_type_3_type_1 import ReasoningParamSummaryType3Type1
from .reasoning_text import ReasoningText
from .response_create_request import ResponseCreateRequest
from .response_create_request_include_type_0_item import ResponseCreateRequestIncludeType0Item
from .response_create_request_input_type_1_item import ResponseCreateRequestInputType1Item
from .response_create_request_metadata_type_0 import ResponseCreateRequestMetadataType0
from .response_create_request_moderation_type_0 import ResponseCreateRequestModerationType0
from .response_create_request_prompt_cache_retention_type_1 import (
    ResponseCreateRequestPromptCacheRetentionType1,
)
from .response_create_request_prompt_cache_retention_type_2_type_1 import (
    ResponseCreateRequestPromptCacheRetentionType2Type1,
)
from .response_create_request_prompt_cache_retention_type_3_type_1 import (
    ResponseCreateRequestPromptCacheRetentionType3Type1,
)
from .response_create_request_prompt_type_0 import ResponseCreateRequestPromptType0
from .response_create_request_service_tier_type_1 import ResponseCreateRequestServiceTierType1
from .response_create_request_service_tier_type_2_type_1 import (
    ResponseCreateRequestServiceTierType2Type1,
)
from .response_create_request_service_tier_type_3_type_1 import (
    ResponseCreateRequestServiceTierType3Type1,
)
from .response_create_request_tool_choice_type_0 import ResponseCreateRequestToolChoiceType0
from .response_create_request_truncation_type_1 import ResponseCreateRequestTruncationType1
from .response_create_request_truncation_type_2_type_1 import (
    ResponseCreateRequestTruncationType2Type1,
)
from .response_create_request_truncation_type_3_type_1 import (
    ResponseCreateRequestTruncationType3Type1,
)
from .response_deleted import ResponseDeleted
from .response_error import ResponseError
from .response_object import ResponseObject
from .response_object_metadata import ResponseObjectMetadata
from .response_object_service_tier_type_1 import ResponseObjectServiceTierType1
from .response_object_service_tier_type_2_type_1 import ResponseObjectServiceTierType2Type1
from .response_object_service_tier_type_3_type_1 import ResponseObjectServiceTierType3Type1
from .response_object_status import ResponseObjectStatus
from .response_object_text import ResponseObjectText
from .response_object_tool_choice_type_1 import ResponseObjectToolChoiceType1
from .response_object_tools_item import ResponseObjectToolsItem
from .response_object_truncation import ResponseObjectTruncation
from .response_usage import ResponseUsage
from .result_counts import ResultCounts
from .run_deleted import RunDeleted
from .run_list import RunList
from .run_object import RunObject
from .run_object_metadata_type_0 import RunObjectMetadataType0
from .run_object_status import RunObjectStatus
from .sample_message import SampleMessage
from .sample_object import SampleObject
from .sample_usage import SampleUsage
from .sampling_params import SamplingParams
from .score_model_grader import ScoreModelGrader
from .score_model_grader_input_item import ScoreModelGraderInputItem
from .score_model_grader_sampling_params_type_0 import ScoreModelGraderSamplingParamsType0
from .source_row import SourceRow
from .source_row_item import SourceRowItem
from .source_row_sample_type_0 import SourceRowSampleType0
from .step_report import StepReport
from .step_report_changes import StepReportChanges
from .step_report_reasons import StepReportReasons
from .stored_completions_data_source_config import StoredCompletionsDataSourceConfig
from .stored_completions_data_source_config_metadata_type_0 import (
    StoredCompletionsDataSourceConfigMetadataType0,
)
from .stream_options import StreamOptions
from .stream_options_param import StreamOptionsParam
from .string_check_grader import StringCheckGrader
from .string_check_grader_operation import StringCheckGraderOperation
from .supervised_method import SupervisedMethod
from .template_input import TemplateInput
from .template_input_text import TemplateInputText
from .template_message import TemplateMessage
from .template_message_role import TemplateMessageRole
from .template_message_type_type_1 import TemplateMessageTypeType1
from .template_message_type_type_2_type_1 import TemplateMessageTypeType2Type1
from .template_message_type_type_3_type_1 import TemplateMessageTypeType3Type1
from .template_output_text import TemplateOutputText
from .text_config import TextConfig
from .text_config_verbosity_type_1 import TextConfigVerbosityType1
from .text_config_verbosity_type_2_type_1 import TextConfigVerbosityType2Type1
from .text_config_verbosity_type_3_type_1 import TextConfigVerbosityType3Type1
from .text_format import TextFormat
from .text_format_json_object import TextFormatJSONObject
from .text_format_json_schema import TextFormatJSONSchema
from .text_format_json_schema_schema import TextFormatJSONSchemaSchema
from .text_format_text import TextFormatText
from .text_part import TextPart
from .text_similarity_grader import TextSimilarityGrader
from .text_similarity_grader_evaluation_metric import TextSimilarityGraderEvaluationMetric
from .tokenize_request import TokenizeRequest
from .tokenize_response import TokenizeResponse
from .tool import Tool
from .tool_call import ToolCall
from .tool_call_param import ToolCallParam
from .tool_list import ToolList
from .tool_list_data_item import ToolListDataItem
from .top_logprob import TopLogprob
from .update_eval_request import UpdateEvalRequest
from .update_eval_request_metadata_type_0 import UpdateEvalRequestMetadataType0
from .usage import Usage

__all__ = (
    "AccessPrograms",
    "AccessProgramsCyberType1",
    "AccessProgramsCyberType2Type1",
    "AccessProgramsCyberType3Type1",
    "AllowedTools",
    "AllowedToolsChoice",
    "AllowedToolsMode",
    "BackgroundOptions",
    "BackgroundOptionsCompletionWindowType1",
    "BackgroundOptionsCompletionWindowType2Type1",
    "BackgroundOptionsCompletionWindowType3Type1",
    "BenchmarkList",
    "BenchmarkObject",
    "BenchmarkObjectMode",
    "BenchmarkObjectStyle",
    "BenchmarkProgress",
    "BenchmarkRunList",
    "BenchmarkRunObject",
    "BenchmarkRunObjectMetadataType0",
    "BenchmarkRunObjectStatus",
    "BenchmarkSamplingParams",
    "ChatChoice",
    "ChatCompletion",
    "ChatCompletionRequest",
    "ChatCompletionRequestAudioType0",
    "ChatCompletionRequestChatTemplateKwargsType0",
    "ChatCompletionRequestFunctionCallType0",
    "ChatCompletionRequestLogitBiasType0",
    "ChatCompletionRequestMetadataType0",
    "ChatCompletionRequestModalitiesType0Item",
    "ChatCompletionRequestModerationType0",
    "ChatCompletionRequestPromptCacheRetentionType1",
    "ChatCompletionRequestPromptCacheRetentionType2Type1",
    "ChatCompletionRequestPromptCacheRetentionType3Type1",
    "ChatCompletionRequestReasoningEffortType1",
    "ChatCompletionRequestReasoningEffortType2Type1",
    "ChatCompletionRequestReasoningEffortType3Type1",
    "ChatCompletionRequestServiceTierType1",
    "ChatCompletionRequestServiceTierType2Type1",
    "ChatCompletionRequestServiceTierType3Type1",
    "ChatCompletionRequestToolChoiceType0",
    "ChatCompletionRequestVerbosityType1",
    "ChatCompletionRequestVerbosityType2Type1",
    "ChatCompletionRequestVerbosityType3Type1",
    "ChatCompletionRequestWebSearchOptionsType0",
    "ChatLogprobs",
    "ChatMessage",
    "ChatMessageAudioType0",
    "ChatMessageRole",
    "ChatResponseMessage",
    "ChatTokenLogprob",
    "CheckpointList",
    "CheckpointMetrics",
    "CheckpointObject",
    "CodeInterpreterCallItem",
    "CodeInterpreterCallItemStatus",
    "CodeInterpreterLogs",
    "CodeInterpreterToolChoice",
    "CodeInterpreterToolParam",
    "Completion",
    "CompletionChoice",
    "CompletionLogprobs",
    "CompletionLogprobsTopLogprobsItemType0",
    "CompletionRequest",
    "CompletionRequestLogitBiasType0",
    "CompletionsDataSource",
    "CompletionTokensDetails",
    "ContainerAuto",
    "ContainerAutoMemoryLimitType1",
    "ContainerAutoMemoryLimitType2Type1",
    "ContainerAutoMemoryLimitType3Type1",
    "ContextManagement",
    "ConversationRef",
    "CreateBenchmarkRunRequest",
    "CreateBenchmarkRunRequestMetadataType0",
    "CreateDatasetFilesBody",
    "CreateDatasetFilesBodyPipeline",
    "CreateDatasetJsonBody",
    "CreateDatasetJsonBodyOverrides",
    "CreateDatasetJsonBodyOverridesAdditionalProperty",
    "CreateDatasetJsonBodyPipeline",
    "CreateEvalRequest",
    "CreateEvalRequestMetadataType0",
    "CreateFileBody",
    "CreateFileBodyPurpose",
    "CreateJobRequest",
    "CreateJobRequestMetadataType0",
    "CreateKeyRequest",
    "CreateKeyRequestScope",
    "CreateRunRequest",
    "CreateRunRequestMetadataType0",
    "CriterionResult",
    "CustomDataSourceConfig",
    "CustomDataSourceConfigItemSchema",
    "CustomDataSourceConfigObject",
    "CustomDataSourceConfigObjectSchema",
    "DatasetError",
    "DatasetList",
    "DatasetObject",
    "DatasetObjectOverrides",
    "DatasetObjectOverridesAdditionalProperty",
    "DatasetObjectStatus",
    "DatasetReport",
    "DatasetReportSettings",
    "DatasetReportSettingsAdditionalProperty",
    "DetokenizeRequest",
    "DetokenizeResponse",
    "DpoHyperparameters",
    "DpoMethod",
    "Embedding",
    "EmbeddingList",
    "EmbeddingRequest",
    "EmbeddingRequestEncodingFormat",
    "EmbeddingUsage",
    "ErrorInfo",
    "ErrorResponse",
    "EvalDeleted",
    "EvalError",
    "EvalList",
    "EvalObject",
    "EvalObjectMetadataType0",
    "EventList",
    "EventObject",
    "EventObjectDataType0",
    "EventObjectLevel",
    "EventObjectType",
    "Example",
    "FileContentSource",
    "FileDeleted",
    "FileIdSource",
    "FileList",
    "FileObject",
    "FileObjectStatus",
    "FunctionCall",
    "FunctionCallItem",
    "FunctionCallItemStatus",
    "FunctionCallParam",
    "FunctionChoice",
    "FunctionDefinition",
    "FunctionDefinitionParametersType0",
    "FunctionToolChoice",
    "FunctionToolParam",
    "FunctionToolParamParametersType0",
    "GradeResult",
    "GradeResultSampleType0",
    "HanlinOptions",
    "HanlinOptionsVisibility",
    "HanlinOptionsZeroStageType1",
    "HanlinOptionsZeroStageType2Type1",
    "HanlinOptionsZeroStageType3Type1",
    "HealthResponse200",
    "Hyperparameters",
    "ImageOptions",
    "ImageOptionsContextCompressionType1",
    "ImageOptionsContextCompressionType2Type1",
    "ImageOptionsContextCompressionType3Type1",
    "IncompleteDetails",
    "InputItemList",
    "InputItemListDataItem",
    "InputTokensDetails",
    "InvokeRequest",
    "InvokeRequestArgumentsType0",
    "InvokeResult",
    "ItemReferenceInput",
    "JobError",
    "JobList",
    "JobObject",
    "JobObjectHanlin",
    "JobObjectHyperparameters",
    "JobObjectMetadataType0",
    "JobObjectMethod",
    "JobObjectStatus",
    "JsonlDataSource",
    "JSONObjectFormat",
    "JSONSchemaFormat",
    "JSONSchemaFormatSchemaType0",
    "JSONSchemaResponseFormat",
    "KeyList",
    "KeyObject",
    "LabelModelGrader",
    "LabelModelGraderInputItem",
    "LegacyFunction",
    "LegacyFunctionChoice",
    "LegacyFunctionParametersType0",
    "ListBenchmarkRunsOrder",
    "ListBenchmarkRunsStatusType1",
    "ListBenchmarkRunsStatusType2Type1",
    "ListBenchmarkRunsStatusType3Type1",
    "ListEvalRunOutputItemsOrder",
    "ListEvalRunOutputItemsStatusType1",
    "ListEvalRunOutputItemsStatusType2Type1",
    "ListEvalRunOutputItemsStatusType3Type1",
    "ListEvalRunsOrder",
    "ListEvalRunsStatusType1",
    "ListEvalRunsStatusType2Type1",
    "ListEvalRunsStatusType3Type1",
    "ListEvalsOrder",
    "ListEvalsOrderBy",
    "ListFilesOrder",
    "ListInputItemsOrder",
    "LogsDataSourceConfig",
    "LogsDataSourceConfigMetadataType0",
    "Method",
    "MethodType",
    "MetricValue",
    "Model",
    "ModelDeleted",
    "ModelList",
    "ModelUpdate",
    "ModelUpdateVisibility",
    "ModelUsage",
    "ModelVisibilityType1",
    "ModelVisibilityType2Type1",
    "ModelVisibilityType3Type1",
    "NamedToolChoice",
    "OutputItemList",
    "OutputItemObject",
    "OutputItemObjectDatasourceItem",
    "OutputItemObjectStatus",
    "OutputMessage",
    "OutputMessageStatus",
    "OutputText",
    "OutputTextAnnotationsItem",
    "OutputTextLogprobsItem",
    "OutputTokensDetails",
    "Prediction",
    "ProducedFile",
    "PromptCacheOptions",
    "PromptCacheOptionsModeType1",
    "PromptCacheOptionsModeType2Type1",
    "PromptCacheOptionsModeType3Type1",
    "PromptCacheOptionsTtlType1",
    "PromptCacheOptionsTtlType2Type1",
    "PromptCacheOptionsTtlType3Type1",
    "PromptTokensDetails",
    "PythonGrader",
    "ReasoningItem",
    "ReasoningItemStatus",
    "ReasoningItemSummaryItem",
    "ReasoningParam",
    "ReasoningParamContextType1",
    "ReasoningParamContextType2Type1",
    "ReasoningParamContextType3Type1",
    "ReasoningParamEffortType1",
    "ReasoningParamEffortType2Type1",
    "ReasoningParamEffortType3Type1",
    "ReasoningParamGenerateSummaryType1",
    "ReasoningParamGenerateSummaryType2Type1",
    "ReasoningParamGenerateSummaryType3Type1",
    "ReasoningParamSummaryType1",
    "ReasoningParamSummaryType2Type1",
    "ReasoningParamSummaryType3Type1",
    "ReasoningText",
    "ReasonReport",
    "ResponseCreateRequest",
    "ResponseCreateRequestIncludeType0Item",
    "ResponseCreateRequestInputType1Item",
    "ResponseCreateRequestMetadataType0",
    "ResponseCreateRequestModerationType0",
    "ResponseCreateRequestPromptCacheRetentionType1",
    "ResponseCreateRequestPromptCacheRetentionType2Type1",
    "ResponseCreateRequestPromptCacheRetentionType3Type1",
    "ResponseCreateRequestPromptType0",
    "ResponseCreateRequestServiceTierType1",
    "ResponseCreateRequestServiceTierType2Type1",
    "ResponseCreateRequestServiceTierType3Type1",
    "ResponseCreateRequestToolChoiceType0",
    "ResponseCreateRequestTruncationType1",
    "ResponseCreateRequestTruncationType2Type1",
    "ResponseCreateRequestTruncationType3Type1",
    "ResponseDeleted",
    "ResponseError",
    "ResponseObject",
    "ResponseObjectMetadata",
    "ResponseObjectServiceTierType1",
    "ResponseObjectServiceTierType2Type1",
    "ResponseObjectServiceTierType3Type1",
    "ResponseObjectStatus",
    "ResponseObjectText",
    "ResponseObjectToolChoiceType1",
    "ResponseObjectToolsItem",
    "ResponseObjectTruncation",
    "ResponseUsage",
    "ResultCounts",
    "RunDeleted",
    "RunList",
    "RunObject",
    "RunObjectMetadataType0",
    "RunObjectStatus",
    "SampleMessage",
    "SampleObject",
    "SampleUsage",
    "SamplingParams",
    "ScoreModelGrader",
    "ScoreModelGraderInputItem",
    "ScoreModelGraderSamplingParamsType0",
    "SourceRow",
    "SourceRowItem",
    "SourceRowSampleType0",
    "StepReport",
    "StepReportChanges",
    "StepReportReasons",
    "StoredCompletionsDataSourceConfig",
    "StoredCompletionsDataSourceConfigMetadataType0",
    "StreamOptions",
    "StreamOptionsParam",
    "StringCheckGrader",
    "StringCheckGraderOperation",
    "SupervisedMethod",
    "TemplateInput",
    "TemplateInputText",
    "TemplateMessage",
    "TemplateMessageRole",
    "TemplateMessageTypeType1",
    "TemplateMessageTypeType2Type1",
    "TemplateMessageTypeType3Type1",
    "TemplateOutputText",
    "TextConfig",
    "TextConfigVerbosityType1",
    "TextConfigVerbosityType2Type1",
    "TextConfigVerbosityType3Type1",
    "TextFormat",
    "TextFormatJSONObject",
    "TextFormatJSONSchema",
    "TextFormatJSONSchemaSchema",
    "TextFormatText",
    "TextPart",
    "TextSimilarityGrader",
    "TextSimilarityGraderEvaluationMetric",
    "TokenizeRequest",
    "TokenizeResponse",
    "Tool",
    "ToolCall",
    "ToolCallParam",
    "ToolList",
    "ToolListDataItem",
    "TopLogprob",
    "UpdateEvalRequest",
    "UpdateEvalRequestMetadataType0",
    "Usage",
)
