"""Contains all the data models used in inputs/outputs"""

from .chat_choice import ChatChoice
from .chat_completion import ChatCompletion
from .chat_completion_request import ChatCompletionRequest
from .chat_completion_request_logit_bias_type_0 import ChatCompletionRequestLogitBiasType0
from .chat_completion_request_tool_choice_type_0 import ChatCompletionRequestToolChoiceType0
from .chat_logprobs import ChatLogprobs
from .chat_message import ChatMessage
from .chat_message_role import ChatMessageRole
from .chat_response_message import ChatResponseMessage
from .chat_token_logprob import ChatTokenLogprob
from .checkpoint_list import CheckpointList
from .checkpoint_metrics import CheckpointMetrics
from .checkpoint_object import CheckpointObject
from .completion import Completion
from .completion_choice import CompletionChoice
from .completion_logprobs import CompletionLogprobs
from .completion_logprobs_top_logprobs_item_type_0 import CompletionLogprobsTopLogprobsItemType0
from .completion_request import CompletionRequest
from .completion_request_logit_bias_type_0 import CompletionRequestLogitBiasType0
from .create_dataset_files_body import CreateDatasetFilesBody
from .create_dataset_files_body_pipeline import CreateDatasetFilesBodyPipeline
from .create_dataset_json_body import CreateDatasetJsonBody
from .create_dataset_json_body_overrides import CreateDatasetJsonBodyOverrides
from .create_dataset_json_body_overrides_additional_property import (
    CreateDatasetJsonBodyOverridesAdditionalProperty,
)
from .create_dataset_json_body_pipeline import CreateDatasetJsonBodyPipeline
from .create_file_body import CreateFileBody
from .create_file_body_purpose import CreateFileBodyPurpose
from .create_job_request import CreateJobRequest
from .create_job_request_metadata_type_0 import CreateJobRequestMetadataType0
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
from .event_list import EventList
from .event_object import EventObject
from .event_object_data_type_0 import EventObjectDataType0
from .event_object_level import EventObjectLevel
from .event_object_type import EventObjectType
from .example import Example
from .file_deleted import FileDeleted
from .file_list import FileList
from .file_object import FileObject
from .file_object_status import FileObjectStatus
from .function_call import FunctionCall
from .function_call_param import FunctionCallParam
from .function_choice import FunctionChoice
from .function_definition import FunctionDefinition
from .function_definition_parameters_type_0 import FunctionDefinitionParametersType0
from .hanlin_options import HanlinOptions
from .hanlin_options_zero_stage_type_1 import HanlinOptionsZeroStageType1
from .hanlin_options_zero_stage_type_2_type_1 import HanlinOptionsZeroStageType2Type1
from .hanlin_options_zero_stage_type_3_type_1 import HanlinOptionsZeroStageType3Type1
from .health_response_200 import HealthResponse200
from .hyperparameters import Hyperparameters
from .invoke_request import InvokeRequest
from .invoke_request_arguments_type_0 import InvokeRequestArgumentsType0
from .invoke_result import InvokeResult
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
from .list_files_order import ListFilesOrder
from .method import Method
from .method_type import MethodType
from .model import Model
from .model_list import ModelList
from .named_tool_choice import NamedToolChoice
from .produced_file import ProducedFile
from .prompt_tokens_details import PromptTokensDetails
from .reason_report import ReasonReport
from .step_report import StepReport
from .step_report_changes import StepReportChanges
from .step_report_reasons import StepReportReasons
from .stream_options import StreamOptions
from .supervised_method import SupervisedMethod
from .text_format import TextFormat
from .text_part import TextPart
from .tokenize_request import TokenizeRequest
from .tokenize_response import TokenizeResponse
from .tool import Tool
from .tool_call import ToolCall
from .tool_call_param import ToolCallParam
from .tool_list import ToolList
from .tool_list_data_item import ToolListDataItem
from .top_logprob import TopLogprob
from .usage import Usage

__all__ = (
    "ChatChoice",
    "ChatCompletion",
    "ChatCompletionRequest",
    "ChatCompletionRequestLogitBiasType0",
    "ChatCompletionRequestToolChoiceType0",
    "ChatLogprobs",
    "ChatMessage",
    "ChatMessageRole",
    "ChatResponseMessage",
    "ChatTokenLogprob",
    "CheckpointList",
    "CheckpointMetrics",
    "CheckpointObject",
    "Completion",
    "CompletionChoice",
    "CompletionLogprobs",
    "CompletionLogprobsTopLogprobsItemType0",
    "CompletionRequest",
    "CompletionRequestLogitBiasType0",
    "CreateDatasetFilesBody",
    "CreateDatasetFilesBodyPipeline",
    "CreateDatasetJsonBody",
    "CreateDatasetJsonBodyOverrides",
    "CreateDatasetJsonBodyOverridesAdditionalProperty",
    "CreateDatasetJsonBodyPipeline",
    "CreateFileBody",
    "CreateFileBodyPurpose",
    "CreateJobRequest",
    "CreateJobRequestMetadataType0",
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
    "EventList",
    "EventObject",
    "EventObjectDataType0",
    "EventObjectLevel",
    "EventObjectType",
    "Example",
    "FileDeleted",
    "FileList",
    "FileObject",
    "FileObjectStatus",
    "FunctionCall",
    "FunctionCallParam",
    "FunctionChoice",
    "FunctionDefinition",
    "FunctionDefinitionParametersType0",
    "HanlinOptions",
    "HanlinOptionsZeroStageType1",
    "HanlinOptionsZeroStageType2Type1",
    "HanlinOptionsZeroStageType3Type1",
    "HealthResponse200",
    "Hyperparameters",
    "InvokeRequest",
    "InvokeRequestArgumentsType0",
    "InvokeResult",
    "JobError",
    "JobList",
    "JobObject",
    "JobObjectHanlin",
    "JobObjectHyperparameters",
    "JobObjectMetadataType0",
    "JobObjectMethod",
    "JobObjectStatus",
    "JSONObjectFormat",
    "JSONSchemaFormat",
    "JSONSchemaFormatSchemaType0",
    "JSONSchemaResponseFormat",
    "ListFilesOrder",
    "Method",
    "MethodType",
    "Model",
    "ModelList",
    "NamedToolChoice",
    "ProducedFile",
    "PromptTokensDetails",
    "ReasonReport",
    "StepReport",
    "StepReportChanges",
    "StepReportReasons",
    "StreamOptions",
    "SupervisedMethod",
    "TextFormat",
    "TextPart",
    "TokenizeRequest",
    "TokenizeResponse",
    "Tool",
    "ToolCall",
    "ToolCallParam",
    "ToolList",
    "ToolListDataItem",
    "TopLogprob",
    "Usage",
)
