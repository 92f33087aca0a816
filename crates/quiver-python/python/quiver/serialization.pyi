from typing import Any, Callable, Mapping

from ._quiver import SerializedObject as SerializedObject

class Pickled:
    type_id: str
    data: bytes
    def __init__(self, type_id: str, data: bytes) -> None: ...

class SerializationContext:
    def __init__(self) -> None: ...
    def register_type(
        self,
        type_: type,
        type_id: str,
        pickle: bool = False,
        custom_serializer: Callable[[Any], Any] | None = None,
        custom_deserializer: Callable[[Any], Any] | None = None,
    ) -> None: ...

def default_serialization_context() -> SerializationContext: ...
def serialize(value: Any, context: SerializationContext | None = None) -> SerializedObject: ...
def deserialize(
    buf: Any, context: SerializationContext | None = None, allow_pickle: bool = False
) -> Any: ...
def deserialize_components(
    components: Mapping[str, Any],
    context: SerializationContext | None = None,
    allow_pickle: bool = False,
) -> Any: ...
