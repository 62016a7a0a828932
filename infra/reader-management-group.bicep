// Reader for the scanner's identity on a management group (every subscription under it), as an
// alternative to the subscription-level assignment of main.bicep:
//
//   az deployment mg create --management-group-id <mg> --location <region> \
//     --template-file infra/reader-management-group.bicep --parameters principalId=<identityPrincipalId>
targetScope = 'managementGroup'

@description('Principal id of the app identity (output identityPrincipalId of main.bicep).')
param principalId string

var readerRoleId = 'acdd72a7-3385-48ef-bd42-f606fba81ae7'

resource reader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(managementGroup().id, principalId, readerRoleId)
  properties: {
    roleDefinitionId: tenantResourceId('Microsoft.Authorization/roleDefinitions', readerRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'egress-audit scanner: read-only audit of network egress'
  }
}
